/*
 * The sign-up box sits on pages cached for every reader, so it carries no token of its
 * own. When a reader starts using it, this fetches a signed form token (no cookie is
 * sent or set) and puts it in the form; without JavaScript the form still works: the
 * sign-up page asks the reader to press Subscribe once more.
 */
"use strict";

(function () {
  for (const form of document.querySelectorAll(".js-newsletter-form")) {
    const field = form.querySelector("input[name='token']");
    let pending = null;

    const fetchToken = () => {
      if (!pending) {
        pending = fetch(form.dataset.tokenUrl, {
          credentials: "omit",
          cache: "no-store",
          headers: { Accept: "application/json" },
        })
          .then((answer) => (answer.ok ? answer.json() : {}))
          .then((data) => {
            if (data.token) {
              field.value = data.token;
            }
          })
          .catch(() => {});
      }
      return pending;
    };

    form.addEventListener("focusin", fetchToken, { once: true });
    form.addEventListener("submit", (event) => {
      if (field.value) {
        return;
      }
      event.preventDefault();
      fetchToken().finally(() => form.submit());
    });
  }
})();
