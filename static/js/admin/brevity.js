/*
 * Live Smart Brevity counts on the story form: headline characters, lede words and
 * sentences, each briefing section's words and the story's total. Past a limit a
 * count turns amber; nothing is ever blocked. The limits come from articles/brevity.py
 * through the "brevity-limits" JSON block, and the counting mirrors articles/text.py.
 * The counters' words come in the story's language through the "brevity-texts" block
 * (articles.brevity.counter_texts): Persian, in Persian digits, on a Persian story.
 *
 * Section bodies are prose editors: the editor writes its HTML back into the hidden
 * textarea and fires "input" on it, so listening to input events on the document
 * covers typed text, the editor and rows added later ("formset:added").
 */
"use strict";

(function () {
  // As articles/text.py counts: a zero-width non-joiner inside a Persian word joins it.
  const WORD = /[\p{L}\p{N}\p{M}_]+(?:(?:['’-]|\u200c+)[\p{L}\p{N}\p{M}_]+)*/gu;
  const HAS_WORD = /[\p{L}\p{N}\p{M}_]/u;
  // A full stop ends a sentence when what follows is not a lower-case word and what
  // precedes is not a lone capital ("U.S. officials", "J. Smith"); stops include the
  // ellipsis and Arabic script's question mark and full stop. A match starts only where
  // a run of stops starts (or one in, after a lone capital): tried from every stop of a
  // long run, the run would be read again from each, and the tab would freeze.
  const SENTENCE_END =
    /(?:(?<![.!?…؟۔])(?<!\b[A-Z])|(?<=\b[A-Z][.!?…؟۔]))[.!?…؟۔]+["'”’»)]*(?=\s+[^\sa-z]|\s*$)/g;
  const WHY_IT_MATTERS = "why it matters";
  // What the page says when it brings no words of its own (as counter_texts in English).
  const ENGLISH = {
    language: "en",
    headline: "%(count)s / %(limit)s characters",
    lede_words: [
      "%(count)s word (aim for %(limit)s or fewer)",
      "%(count)s words (aim for %(limit)s or fewer)",
    ],
    lede_sentences: [
      "%(count)s sentence (aim for %(limit)s)",
      "%(count)s sentences (aim for %(limit)s)",
    ],
    section_words: ["%(count)s word / %(limit)s", "%(count)s words / %(limit)s"],
    story_words: [
      "Story: %(count)s word of %(limit)s (lede and sections).",
      "Story: %(count)s words of %(limit)s (lede and sections).",
    ],
    sections_over: [
      "%(count)s section over %(limit)s words.",
      "%(count)s sections over %(limit)s words.",
    ],
    why_it_matters: "Consider a “Why it matters” section.",
  };

  function wordCount(text) {
    return (text.match(WORD) || []).length;
  }

  function sentenceCount(text) {
    text = text.trim();
    let ends = 0;
    let tail = 0;
    for (const end of text.matchAll(SENTENCE_END)) {
      ends += 1;
      tail = end.index + end[0].length;
    }
    return ends + (HAS_WORD.test(text.slice(tail)) ? 1 : 0);
  }

  function htmlToText(html) {
    const spaced = (html || "").replace(/<\/(p|li)>|<br\s*\/?>/gi, " ");
    // A parsed, never-rendered document: nothing in it runs or loads.
    const doc = new DOMParser().parseFromString(spaced, "text/html");
    return (doc.body.textContent || "").split(/\s+/).filter(Boolean).join(" ");
  }

  function normalizeLabel(text) {
    return text
      .normalize("NFKC")
      .replace(/[’‘ʼ`´]/g, "'")
      .replace(/[\u200b\u200c\u200d\u2060\ufeff]/g, "")
      .trim()
      .replace(/(?<!:):+$/, "")
      .trim()
      .toLowerCase()
      .split(/\s+/)
      .join(" ");
  }

  // Fill a format's %(name)s placeholders; numbers in the language's digits, ungrouped
  // as the server writes them (۱۲ in Persian).
  function say(texts, format, values) {
    const digits = new Intl.NumberFormat(texts.language || "en", { useGrouping: false });
    return format.replace(/%\((\w+)\)s/g, (_, name) =>
      typeof values[name] === "number" ? digits.format(values[name]) : String(values[name]),
    );
  }

  // A counted format: [one, other]. English says "1 word", Persian the same either way.
  function count(texts, forms, n, values) {
    return say(texts, n === 1 ? forms[0] : forms[1], { count: n, ...values });
  }

  // The counter shown under a field, made once and reused.
  function counterFor(field, anchor) {
    const id = `${field.id}_brevity`;
    let counter = document.getElementById(id);
    if (!counter) {
      counter = document.createElement("span");
      counter.id = id;
      counter.className = "brevity-count";
      anchor.append(counter);
      const described = (field.getAttribute("aria-describedby") || "").split(" ");
      if (!described.includes(id)) {
        field.setAttribute("aria-describedby", described.concat(id).join(" ").trim());
      }
    }
    return counter;
  }

  function show(counter, text, over) {
    counter.textContent = text;
    counter.classList.toggle("brevity-over", over);
  }

  function rowOf(field) {
    return field.closest(".form-row") || field.parentElement;
  }

  function liveSectionRows() {
    // Rows of the sections inline, without the hidden template and rows marked for deletion.
    return Array.from(document.querySelectorAll("textarea[name^='sections-'][name$='-body']"))
      .filter((body) => !body.name.includes("__prefix__"))
      .map((body) => {
        const prefix = body.name.slice(0, -"body".length);
        const remove = document.querySelector(`input[name='${prefix}DELETE']`);
        const label = document.querySelector(`select[name='${prefix}label']`);
        return { body, remove, label };
      })
      .filter((row) => !(row.remove && row.remove.checked));
  }

  function summaryBox() {
    let box = document.getElementById("brevity-summary");
    if (!box) {
      const group = document.getElementById("sections-group");
      const lede = document.getElementById("id_lede");
      box = document.createElement("div");
      box.id = "brevity-summary";
      box.className = "brevity-summary";
      box.setAttribute("role", "status");
      if (group) {
        const heading = group.querySelector("h2");
        if (heading) {
          heading.after(box);
        } else {
          group.prepend(box);
        }
      } else if (lede) {
        rowOf(lede).append(box);
      } else {
        return null;
      }
    }
    return box;
  }

  function update(limits, texts) {
    const headline = document.getElementById("id_headline");
    if (headline) {
      const chars = headline.value.trim().length;
      show(
        counterFor(headline, rowOf(headline)),
        say(texts, texts.headline, { count: chars, limit: limits.headline_chars }),
        chars > limits.headline_chars,
      );
    }

    let total = 0;
    const lede = document.getElementById("id_lede");
    if (lede) {
      const words = wordCount(lede.value);
      const sentences = sentenceCount(lede.value);
      total += words;
      show(
        counterFor(lede, rowOf(lede)),
        `${count(texts, texts.lede_words, words, { limit: limits.lede_words })} · ` +
          count(texts, texts.lede_sentences, sentences, { limit: limits.lede_sentences }),
        words > limits.lede_words || sentences > limits.lede_sentences,
      );
    }

    let whyItMatters = false;
    let sectionsOver = 0;
    for (const row of liveSectionRows()) {
      const words = wordCount(htmlToText(row.body.value));
      total += words;
      const over = words > limits.section_words;
      sectionsOver += over ? 1 : 0;
      show(
        counterFor(row.body, rowOf(row.body)),
        count(texts, texts.section_words, words, { limit: limits.section_words }),
        over,
      );
      const option = row.label && row.label.selectedOptions[0];
      if (option && option.value && normalizeLabel(option.textContent) === WHY_IT_MATTERS) {
        whyItMatters = true;
      }
    }

    const box = summaryBox();
    if (!box) {
      return;
    }
    const lines = [count(texts, texts.story_words, total, { limit: limits.story_words })];
    if (sectionsOver) {
      lines.push(count(texts, texts.sections_over, sectionsOver, { limit: limits.section_words }));
    }
    if (!whyItMatters) {
      lines.push(texts.why_it_matters);
    }
    box.replaceChildren(
      ...lines.map((line) => {
        const p = document.createElement("p");
        p.textContent = line;
        return p;
      }),
    );
    box.classList.toggle("brevity-over", total > limits.story_words || sectionsOver > 0);
  }

  function start() {
    const data = document.getElementById("brevity-limits");
    if (!data) {
      return;
    }
    const limits = JSON.parse(data.textContent);
    const words = document.getElementById("brevity-texts");
    const texts = words ? { ...ENGLISH, ...JSON.parse(words.textContent) } : ENGLISH;
    let pending = false;
    // Coalesce bursts of events (typing, the editor's updates) into one count per frame.
    const schedule = () => {
      if (!pending) {
        pending = true;
        requestAnimationFrame(() => {
          pending = false;
          update(limits, texts);
        });
      }
    };
    for (const type of ["input", "change", "formset:added", "formset:removed"]) {
      document.addEventListener(type, schedule);
    }
    update(limits, texts);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
