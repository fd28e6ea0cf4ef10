/*
 * Reader conveniences on a story page, all optional: the page reads the same without
 * them. Loaded from the site (script-src 'self'), with no inline code and no nonce, so
 * a cached page is right for every reader.
 *
 * - Times marked data-relative are shown as "2 hr. ago" in the page's language; the
 *   exact time stays in their title and datetime, as the server wrote them. Worked out
 *   here, not on the server, so a page cached for an hour is still right.
 * - "Copy link" copies the story's address; "Share…" opens the device's share sheet.
 *   Both stay hidden where the browser cannot do it.
 */
"use strict";

(function () {
  const MINUTE = 60;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;
  //: Older than this, a time keeps its date: "9 days ago" is harder to place than a date.
  const RELATIVE_FOR = 7 * DAY;
  const lang = document.documentElement.lang || undefined;

  let format = null;
  try {
    format = new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" });
  } catch (error) {
    format = null;
  }

  function relative(seconds) {
    // A clock a little fast must not say "in 1 min." of what already happened.
    const ago = Math.max(0, seconds);
    if (ago < MINUTE) return format.format(0, "second");
    if (ago < HOUR) return format.format(-Math.floor(ago / MINUTE), "minute");
    if (ago < DAY) return format.format(-Math.floor(ago / HOUR), "hour");
    return format.format(-Math.floor(ago / DAY), "day");
  }

  function showRelativeTimes() {
    const now = Date.now();
    for (const time of document.querySelectorAll("time[data-relative]")) {
      if (time.dataset.exact === undefined) {
        time.dataset.exact = time.textContent;
      }
      const when = Date.parse(time.getAttribute("datetime"));
      const seconds = (now - when) / 1000;
      if (Number.isNaN(when) || seconds >= RELATIVE_FOR) {
        time.textContent = time.dataset.exact;
      } else {
        time.textContent = relative(seconds);
      }
    }
  }

  if (format) {
    showRelativeTimes();
    setInterval(showRelativeTimes, MINUTE * 1000);
  }

  function say(button, text) {
    const status = button.parentElement.querySelector("[role='status']");
    if (status) {
      status.textContent = text;
    }
  }

  if (navigator.clipboard && window.isSecureContext) {
    for (const button of document.querySelectorAll("button[data-copy-link]")) {
      button.hidden = false;
      button.addEventListener("click", () => {
        // The messages come from the page, in its language.
        navigator.clipboard.writeText(button.dataset.copyLink).then(
          () => say(button, button.dataset.copied),
          () => say(button, button.dataset.notCopied),
        );
      });
    }
  }

  if (navigator.share) {
    for (const button of document.querySelectorAll("button[data-share-url]")) {
      button.hidden = false;
      button.addEventListener("click", () => {
        navigator
          .share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl })
          .catch(() => {});
      });
    }
  }
})();
