// Small DOM helpers shared by the operator and member pages: server-paged tables and JSON shown as a definition list.
const $ = (id) => document.getElementById(id);

// Wires the "first page" / "next page" buttons `${prefix}-first` and `${prefix}-next` to fetchPage(cursor), which
// renders one page and returns it ({ has_more, next_cursor }). Returns { reset } to show the first page again.
export function pager(prefix, fetchPage, fail) {
  let cursors = [null];
  const next = $(prefix + "-next");
  async function show() {
    const page = await fetchPage(cursors[cursors.length - 1]);
    next.disabled = !page.has_more;
    next.dataset.cursor = page.next_cursor || "";
  }
  $(prefix + "-first").addEventListener("click", () => { cursors = [null]; show().catch(fail); });
  next.addEventListener("click", () => { cursors.push(next.dataset.cursor); show().catch(fail); });
  return { reset: () => { cursors = [null]; return show(); } };
}

// "&cursor=…" when there is a cursor.
export const cursorParam = (cursor) => (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");

// Fills a table's body: one row per item, a cell per column function (text, or a Node to append); a single
// spanning row with emptyText when there are no items. Returns the rows.
export function fill(table, items, columns, emptyText, rowKey) {
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const item of items) {
    const row = body.insertRow();
    if (rowKey) row.dataset.key = rowKey(item);
    for (const column of columns) {
      const td = row.insertCell();
      const value = column(item);
      if (value instanceof Node) td.append(value); else td.textContent = value ?? "";
    }
  }
  if (items.length === 0 && emptyText) {
    const td = body.insertRow().insertCell();
    td.colSpan = columns.length;
    td.textContent = emptyText;
  }
  labelCells(table);
}

// Gives every body cell its column's header text as data-label: at phone width style.css shows each row as a card
// of "label value" lines instead of a table wider than the screen.
export function labelCells(table) {
  const headers = [...(table.tHead?.rows[0]?.cells ?? [])].map((th) => th.textContent.trim());
  for (const row of table.tBodies[0].rows) {
    if (row.cells.length === 1 && row.cells[0].colSpan > 1) continue;
    [...row.cells].forEach((td, i) => { if (headers[i]) td.dataset.label = headers[i]; });
  }
}

// Shows a JSON object as a nested definition list (values as text, never as HTML).
export function describe(list, value) {
  list.replaceChildren();
  for (const [name, v] of Object.entries(value ?? {})) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const inner = document.createElement("dl");
      describe(inner, v);
      dd.append(inner);
    } else {
      dd.textContent = Array.isArray(v) ? (v.length ? v.map((x) => (typeof x === "object" ? JSON.stringify(x) : x)).join(", ") : "-") : String(v);
    }
    list.append(dt, dd);
  }
}

export const usd = (micros) => (Number(micros) / 1e6).toFixed(6);
