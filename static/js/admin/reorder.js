/*
 * Reorder inline rows (bylines, briefing sections, go deeper links) by dragging a
 * handle, or with the arrow keys on it. The server only reads the "position"
 * inputs, so this script rewrites them in the new order; without it the numbers
 * can still be typed by hand. A row added with "Add another" goes to the end.
 *
 * Django's inlines.js renumbers the form names in document order when a new row is
 * removed, and a saved row must keep a number below the formset's INITIAL_FORMS or
 * Django would pair it with another saved row. So rows are put back in form order
 * just before that happens and sorted by position again afterwards.
 */
"use strict";

(function () {
  const GROUP = ".js-inline-admin-formset";

  function positionInput(row) {
    return row.querySelector("input[name$='-position']");
  }

  function rowsOf(group) {
    return Array.from(group.querySelectorAll("tr.form-row, div.inline-related")).filter(
      (row) =>
        !row.classList.contains("empty-form") &&
        !row.classList.contains("tabular") &&
        positionInput(row),
    );
  }

  function formIndex(row) {
    const match = /-(\d+)$/.exec(row.id);
    return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
  }

  function numberOf(row) {
    const value = Number.parseInt(positionInput(row).value, 10);
    return Number.isNaN(value) ? 0 : value;
  }

  // Put rows in the given order, keeping a tabular row's error line above it.
  function arrange(rows) {
    if (rows.length < 2) {
      return;
    }
    const parent = rows[0].parentElement;
    // Insert before whatever follows the last row as the page has them now.
    const last = rows.reduce((a, b) =>
      a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? b : a,
    );
    const anchor = last.nextSibling;
    for (const row of rows) {
      const errors = row.previousElementSibling;
      if (errors && errors.classList.contains("row-form-errors")) {
        parent.insertBefore(errors, anchor);
      }
      parent.insertBefore(row, anchor);
    }
  }

  function sortByPosition(group) {
    const rows = rowsOf(group);
    const keyed = rows.map((row, i) => [numberOf(row), i, row]);
    keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    arrange(keyed.map((entry) => entry[2]));
  }

  function renumber(group) {
    rowsOf(group).forEach((row, i) => {
      positionInput(row).value = String(i);
    });
  }

  function move(row, offset) {
    const group = row.closest(GROUP);
    const rows = rowsOf(group);
    const from = rows.indexOf(row);
    const to = from + offset;
    if (to < 0 || to >= rows.length) {
      return;
    }
    rows.splice(from, 1);
    rows.splice(to, 0, row);
    arrange(rows);
    renumber(group);
  }

  let dragged = null;

  function addHandle(row) {
    if (row.querySelector(".reorder-handle")) {
      return;
    }
    const handle = document.createElement("button");
    handle.type = "button";
    handle.className = "reorder-handle";
    handle.textContent = "↕";
    handle.title = "Drag to move, or use the up and down arrow keys";
    handle.setAttribute("aria-label", "Move this row: drag it, or use the up and down arrow keys");
    handle.addEventListener("keydown", (event) => {
      if (event.key === "ArrowUp" || event.key === "ArrowDown") {
        event.preventDefault();
        move(row, event.key === "ArrowUp" ? -1 : 1);
        handle.focus();
      }
    });
    // Only the handle drags: text inside the row (and the prose editor) stays selectable.
    handle.draggable = true;
    handle.addEventListener("dragstart", (event) => {
      dragged = row;
      row.classList.add("reorder-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.id);
      event.dataTransfer.setDragImage(row, 16, 16);
    });
    handle.addEventListener("dragend", () => {
      row.classList.remove("reorder-dragging");
      for (const target of document.querySelectorAll(".reorder-target")) {
        target.classList.remove("reorder-target");
      }
      dragged = null;
    });
    row.addEventListener("dragover", (event) => {
      if (dragged && dragged !== row && dragged.closest(GROUP) === row.closest(GROUP)) {
        event.preventDefault();
        row.classList.add("reorder-target");
      }
    });
    row.addEventListener("dragleave", () => row.classList.remove("reorder-target"));
    row.addEventListener("drop", (event) => {
      if (!dragged || dragged === row || dragged.closest(GROUP) !== row.closest(GROUP)) {
        return;
      }
      event.preventDefault();
      row.classList.remove("reorder-target");
      const group = row.closest(GROUP);
      const rows = rowsOf(group).filter((r) => r !== dragged);
      rows.splice(rows.indexOf(row), 0, dragged);
      arrange(rows);
      renumber(group);
    });

    // Beside the position box in a table row; before the title of a stacked row.
    const place = row.querySelector("td.field-position") || row.querySelector("h3");
    if (place) {
      place.prepend(handle);
    }
  }

  function setUp(group) {
    for (const row of rowsOf(group)) {
      addHandle(row);
    }
  }

  function start() {
    // Read-only inlines have no position inputs, so they get no handles.
    const groups = Array.from(document.querySelectorAll(GROUP)).filter((group) =>
      group.querySelector("input[name$='-position']"),
    );
    for (const group of groups) {
      setUp(group);
    }

    document.addEventListener("formset:added", (event) => {
      const row = event.target;
      const group = row.closest && row.closest(GROUP);
      if (!group || !groups.includes(group)) {
        return;
      }
      const others = rowsOf(group).filter((r) => r !== row);
      const input = positionInput(row);
      if (input) {
        input.value = String(others.length ? Math.max(...others.map(numberOf)) + 1 : 0);
      }
      addHandle(row);
    });

    // Before inlines.js renumbers the forms on removal: back to form order...
    document.addEventListener(
      "click",
      (event) => {
        const link = event.target.closest && event.target.closest(".inline-deletelink");
        const group = link && link.closest(GROUP);
        if (group && groups.includes(group)) {
          arrange(rowsOf(group).sort((a, b) => formIndex(a) - formIndex(b)));
        }
      },
      true,
    );
    // ...and, once it has (it fires "formset:removed" first, then renumbers), back
    // to the order the journalist chose.
    document.addEventListener("formset:removed", (event) => {
      const group = document.getElementById(`${event.detail.formsetName}-group`);
      if (group && groups.includes(group)) {
        setTimeout(() => sortByPosition(group), 0);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
