// A virtualised table: only the rows in view (plus a margin) exist in the DOM, in a reused pool, so
// 10,000 paths cost what 40 cost. Sorting and filtering work on an index array over plain row objects.
// Pooled elements past the last shown row are `hidden`; app.css makes `[hidden]` beat `.vt-row`'s grid
// display, or a filter that shrinks the list would leave the old rows on screen.
const ROW_HEIGHT = 26;
const OVERSCAN = 10;

export class VirtualTable {
  constructor({ scroll, spacer, body, renderRow }) {
    Object.assign(this, { scroll, spacer, body, renderRow });
    this.rows = [];
    this.order = [];
    this.pool = [];
    this.scroll.addEventListener('scroll', () => this.paint(), { passive: true });
    new ResizeObserver(() => this.paint()).observe(this.scroll);
  }

  /** Shows rows[order[i]] for each i; order is an array of indices into rows. */
  show(rows, order) {
    this.rows = rows;
    this.order = order;
    this.spacer.style.height = `${order.length * ROW_HEIGHT}px`;
    this.paint(true);
  }

  paint(force = false) {
    const first = Math.max(0, Math.floor(this.scroll.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil((this.scroll.clientHeight || 600) / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(this.order.length, first + visible);
    if (!force && first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    while (this.pool.length < last - first) {
      const element = document.createElement('div');
      element.className = 'vt-row';
      this.body.append(element);
      this.pool.push(element);
    }
    this.pool.forEach((element, i) => {
      const index = first + i;
      if (index >= last) {
        element.hidden = true;
        return;
      }
      element.hidden = false;
      element.style.top = `${index * ROW_HEIGHT}px`;
      this.renderRow(element, this.rows[this.order[index]]);
    });
  }
}
