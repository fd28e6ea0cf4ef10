/*
 * Names for the story form's controls that third-party scripts build without one, so
 * that a screen reader says what each is (axe-core, WCAG 2.2 A/AA, checks this:
 * tests/browser/test_admin_accessibility.py). Their markup is made in the browser, so
 * no template of ours can fix it:
 *
 * - Django's autocomplete (select2 4.0.13) names its combobox after the chosen value
 *   only, gives its search box no name at all, and puts the "clear all" cross of a
 *   multiple choice straight inside a <ul>. Here the combobox and its value are named
 *   by the field's label (or, in a table row, by the select's own aria-label), the
 *   search box by the label, and the cross is moved beside the list.
 * - django-prose-editor's editing area (role="textbox") has no name: it gets the label
 *   of the textarea it stands for.
 *
 * Run once everything is built (once the document is ready, and again at the window's
 * load) and for each inline row added later ("formset:added"), each time after
 * Django's and the editor's own handlers.
 */
"use strict";

(function () {
  let counter = 0;

  function idOf(element) {
    if (!element.id) {
      counter += 1;
      element.id = `a11y-${counter}`;
    }
    return element.id;
  }

  function labelOf(field) {
    return field.id ? document.querySelector(`label[for="${CSS.escape(field.id)}"]`) : null;
  }

  // A name for a control: referring to the field's label when it has one, else its
  // own aria-label (table rows: articles.admin.story.LabelledRows).
  function name(control, field, also) {
    const label = labelOf(field);
    if (label) {
      control.setAttribute("aria-labelledby", [idOf(label), ...also].join(" "));
    } else if (field.getAttribute("aria-label")) {
      control.setAttribute("aria-label", field.getAttribute("aria-label"));
    }
  }

  // select2 puts its "clear all" cross first inside the list of chosen items, where
  // only list items may be; it finds it again by its class anywhere in the widget.
  function clearOutOfList(list) {
    for (const cross of list.querySelectorAll(":scope > .select2-selection__clear")) {
      list.before(cross);
    }
  }

  function fixSelect2(select) {
    const container = select.nextElementSibling;
    if (!container || !container.classList.contains("select2-container")) {
      return;
    }
    const combobox = container.querySelector(".select2-selection");
    const rendered = container.querySelector(".select2-selection__rendered");
    if (combobox && rendered && combobox.dataset.a11y !== "done") {
      combobox.dataset.a11y = "done";
      if (combobox.getAttribute("role") === "combobox") {
        name(combobox, select, rendered.matches("span") ? [idOf(rendered)] : []);
      }
      if (rendered.getAttribute("role") === "textbox") {
        name(rendered, select, [idOf(rendered)]);
      }
      if (rendered.matches("ul")) {
        clearOutOfList(rendered);
        new MutationObserver(() => clearOutOfList(rendered)).observe(rendered, {
          childList: true,
        });
      }
    }
    const search = container.querySelector(".select2-search__field");
    if (search && !search.hasAttribute("aria-labelledby") && !search.hasAttribute("aria-label")) {
      name(search, select, []);
    }
  }

  function fixEditor(area) {
    const wrapper = area.closest(".prose-editor");
    const textarea = wrapper && wrapper.querySelector("textarea");
    if (textarea && !area.hasAttribute("aria-labelledby") && !area.hasAttribute("aria-label")) {
      name(area, textarea, []);
    }
  }

  function fixAll(root) {
    for (const select of root.querySelectorAll("select.admin-autocomplete")) {
      fixSelect2(select);
    }
    for (const area of root.querySelectorAll(".prose-editor [contenteditable]")) {
      fixEditor(area);
    }
  }

  // After Django's own handlers of the same events have built the widgets.
  document.addEventListener("DOMContentLoaded", () => window.setTimeout(() => fixAll(document), 0));
  window.addEventListener("load", () => fixAll(document));
  document.addEventListener("formset:added", () => window.setTimeout(() => fixAll(document), 0));
})();
