/**
 * Reading the path chart as drawn: which pixel columns carry a given colour within a band of rows, and
 * where the chart says its plot and time range are (the canvas's data attributes), so a test can turn
 * a time into the x a user would look at and check that ink is there and nowhere else.
 */
import type { Page } from 'playwright-core';

export interface ChartGeometry {
  sinceMs: number;
  untilMs: number;
  stepMs: number;
  plotLeft: number;
  plotRight: number;
  lossTop: number;
  lossBottom: number;
  points: number;
  timeZone: string;
}

export async function chartGeometry(page: Page, selector = '#chart'): Promise<ChartGeometry> {
  const data = await page.locator(selector).evaluate((canvas) => ({ ...(canvas as HTMLCanvasElement).dataset }));
  const number = (key: string) => {
    const value = Number(data[key]);
    if (!Number.isFinite(value)) throw new Error(`chartInk.chartGeometry: data-${key} is "${data[key]}"; expected a number`);
    return value;
  };
  return {
    sinceMs: number('sinceMs'),
    untilMs: number('untilMs'),
    stepMs: number('stepMs'),
    plotLeft: number('plotLeft'),
    plotRight: number('plotRight'),
    lossTop: number('lossTop'),
    lossBottom: number('lossBottom'),
    points: number('points'),
    timeZone: data.timeZone ?? '',
  };
}

/** The x (CSS px) where `atMs` is drawn. */
export function xOf(geometry: ChartGeometry, atMs: number): number {
  return geometry.plotLeft + ((atMs - geometry.sinceMs) / (geometry.untilMs - geometry.sinceMs)) * (geometry.plotRight - geometry.plotLeft);
}

/**
 * CSS-pixel columns between rows `fromY` and `toY` (CSS px) holding a pixel within `tolerance` of `rgb`
 * in every channel.
 */
export async function inkColumns(page: Page, rgb: [number, number, number], fromY: number, toY: number, tolerance = 6, selector = '#chart'): Promise<number[]> {
  return page.locator(selector).evaluate(
    (element, { rgb, fromY, toY, tolerance }) => {
      const canvas = element as HTMLCanvasElement;
      const ratio = canvas.width / canvas.clientWidth;
      const { width, height } = canvas;
      const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      const columns = new Set<number>();
      for (let y = Math.max(0, Math.round(fromY * ratio)); y < Math.min(height, Math.round(toY * ratio)); y++) {
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4;
          if (Math.abs(data[i]! - rgb[0]) <= tolerance && Math.abs(data[i + 1]! - rgb[1]) <= tolerance && Math.abs(data[i + 2]! - rgb[2]) <= tolerance) {
            columns.add(Math.floor(x / ratio));
          }
        }
      }
      return [...columns].sort((a, b) => a - b);
    },
    { rgb, fromY, toY, tolerance },
  );
}

export function rgbOf(hex: string): [number, number, number] {
  const value = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!value) throw new Error(`chartInk.rgbOf: "${hex}" is not a #rrggbb colour`);
  const n = parseInt(value[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
