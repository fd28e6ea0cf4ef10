/*
 * "Being edited by …" on the story form, kept true: while the form is open it tells the
 * server so every 30 seconds (the heartbeat, StoryAdmin.workflow_context's presence
 * URL, articles.staff_views.presence) and shows who else has the story open, from the
 * answer. When the tab closes or goes into the back-forward cache, a beacon says
 * goodbye, so colleagues stop seeing the notice at once; a tab that could not say it
 * (a crash, a lost connection) is gone within a minute all the same.
 *
 * Without this script the notice still shows who opened the form in the last minute.
 */
"use strict";

(function () {
  const NOTE =
    "If you both save, the second save is refused and has to be merged by hand: " +
    "agree who writes first.";

  function start() {
    const region = document.getElementById("story-presence");
    if (!region || !region.dataset.url) {
      return;
    }
    const url = region.dataset.url;
    const every = Number(region.dataset.seconds || 30) * 1000;
    // This page's last heartbeat, as the server recorded it: the goodbye names it, so
    // that it cannot end the visit of the page that follows (after a save) or of
    // another tab.
    let seen = region.dataset.seen || "";

    function said(state) {
      const data = new FormData();
      const token = document.querySelector("input[name='csrfmiddlewaretoken']");
      data.append("csrfmiddlewaretoken", token ? token.value : "");
      data.append("state", state);
      if (state === "gone") {
        data.append("seen", seen);
      }
      return data;
    }

    function show(others) {
      if (!others.length) {
        region.replaceChildren();
        return;
      }
      const strong = document.createElement("strong");
      strong.append("Being edited by ");
      others.forEach((other, i) => {
        const time = document.createElement("time");
        time.dateTime = other.datetime;
        time.textContent = other.since;
        strong.append(`${other.name} since `, time, i < others.length - 1 ? ", " : ".");
      });
      const p = document.createElement("p");
      p.append(strong, ` ${NOTE}`);
      const box = document.createElement("div");
      box.className = "story-presence";
      box.append(p);
      region.replaceChildren(box);
    }

    async function beat() {
      try {
        const response = await fetch(url, {
          method: "POST",
          body: said("here"),
          credentials: "same-origin",
        });
        if (response.ok) {
          const answer = await response.json();
          seen = answer.seen;
          show(answer.others);
        }
      } catch {
        // Offline for a moment: the next beat tries again.
      }
    }

    let timer = window.setInterval(beat, every);
    window.addEventListener("pagehide", () => {
      window.clearInterval(timer);
      navigator.sendBeacon(url, said("gone"));
    });
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) {
        // Back from the back-forward cache: open again.
        beat();
        timer = window.setInterval(beat, every);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
