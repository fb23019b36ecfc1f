/**
 * What the paths table shows on screen, as a user sees it: the rows the browser actually renders
 * (computed `display` not `none`, a box of non-zero size inside the scroller's visible area), in screen
 * order, with their cells' text. Attributes (`hidden`, `data-*`) are not consulted: a row the stylesheet
 * keeps on screen despite `hidden` is counted, which is the point.
 */
import type { Page } from 'playwright-core';

export interface VisibleRow {
  pathId: string;
  state: string;
  path: string;
  group: string;
  topPx: number;
}

export async function visibleRows(page: Page): Promise<VisibleRow[]> {
  return page.evaluate(() => {
    const scroller = document.getElementById('scroll')!.getBoundingClientRect();
    const rows: { pathId: string; state: string; path: string; group: string; topPx: number }[] = [];
    for (const element of document.querySelectorAll<HTMLElement>('.vt-body .vt-row')) {
      if (getComputedStyle(element).display === 'none' || getComputedStyle(element).visibility === 'hidden') continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.bottom <= scroller.top || box.top >= scroller.bottom) continue;
      const cells = [...element.children].map((cell) => (cell as HTMLElement).innerText.trim());
      rows.push({ pathId: element.dataset.pathId ?? '', state: cells[0] ?? '', path: cells[1] ?? '', group: cells[2] ?? '', topPx: box.top });
    }
    return rows.sort((a, b) => a.topPx - b.topPx);
  });
}
