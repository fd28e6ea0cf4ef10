/*
 * The workflow buttons above the story form act on the last saved version, not on
 * what is typed in the form. If the form has unsaved changes, say so before a button
 * sends the story on; a button that takes the story off the site asks first too.
 * Without JavaScript the buttons work the same, just without the questions.
 *
 * Loaded in the page head, before the form exists: everything listens on the document.
 */
"use strict";

(function () {
  let dirty = false;

  function inStoryForm(event) {
    return event.target instanceof Element && event.target.closest("#story_form") !== null;
  }

  // Prose editors write into their hidden textarea and fire "input", which bubbles.
  for (const type of ["input", "change"]) {
    document.addEventListener(type, function (event) {
      if (inStoryForm(event)) {
        dirty = true;
      }
    });
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.id === "story_form") {
      dirty = false;
      return;
    }
    if (!form.closest(".story-workflow, .story-corrections")) {
      return;
    }
    if (
      dirty &&
      !window.confirm(
        "The story form has changes you have not saved. This button acts on the last " +
          "saved version and your changes stay unsaved. Go on anyway?"
      )
    ) {
      event.preventDefault();
      return;
    }
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
