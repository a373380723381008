// The claim form: add, remove and reorder hops and route stops (actor pickers: actor-picker.js); claims
// that may say the same, and sources already cited, shown as the editor types.
"use strict";

function rowsOf(container) {
  return Array.from(container.querySelectorAll("[data-row-list] > [data-row]"));
}

function renumber(container) {
  let position = 0;
  for (const row of rowsOf(container)) {
    const order = row.querySelector("input[name$='-ORDER']");
    const removed = row.querySelector("input[name$='-DELETE']");
    if (removed && removed.checked) continue;
    position += 1;
    if (order) order.value = position;
    const title = row.querySelector("[data-row-title]");
    if (title) title.textContent = title.textContent.replace(/\s*\d*$/, " " + position);
  }
}

function setUpRows(container) {
  const list = container.querySelector("[data-row-list]");
  const template = container.querySelector("template[data-row-template]");
  const prefix = container.dataset.rows;
  const total = container.querySelector(`input[name='${prefix}-TOTAL_FORMS']`);
  container.classList.add("enhanced");

  container.querySelector("[data-add-row]").addEventListener("click", () => {
    const index = Number(total.value);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    list.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    renumber(container);
    const added = rowsOf(container).at(-1);
    // The first field the editor can see: the row's Position and Remove inputs are hidden once enhanced.
    const first = Array.from(added.querySelectorAll(".grid-form :is(input, select, textarea)")).find(
      (field) => field.type !== "hidden" && !field.disabled && field.getClientRects().length > 0,
    );
    if (first) first.focus();
  });

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const row = button.closest("[data-row]");
    if (button.dataset.move === "up" && row.previousElementSibling) {
      row.parentNode.insertBefore(row, row.previousElementSibling);
      button.focus();
    } else if (button.dataset.move === "down" && row.nextElementSibling) {
      row.parentNode.insertBefore(row.nextElementSibling, row);
      button.focus();
    } else if (button.hasAttribute("data-remove")) {
      row.querySelector("input[name$='-DELETE']").checked = true;
      row.hidden = true;
    } else {
      return;
    }
    renumber(container);
  });
  renumber(container);
}

// The deal fieldset belongs to transfer claims: hidden and disabled (so not sent) for other kinds.
function setUpTransferOnly(kind, fieldset) {
  const show = () => {
    const transfer = kind.value === "transfer";
    fieldset.hidden = !transfer;
    fieldset.disabled = !transfer;
  };
  kind.addEventListener("change", show);
  show();
}

// The fields matching reads: the statement, the parties, item, stage and dates, and each hop's speaker,
// affiliation, source URL, quote and translation.
const MATCHED = /^(statement|supplier|recipient|item_category|stage|event_start|event_end|hops-\d+-(speaker|affiliation|source_url|quote|translation))$/;

function setUpMatching(form, panel) {
  let timer = null;
  let inflight = null;
  const refresh = async () => {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const body = new FormData(form);
    if (form.dataset.matchExclude) body.set("exclude", form.dataset.matchExclude);
    try {
      const response = await fetch(form.dataset.matchUrl, {
        method: "POST",
        body,
        headers: { Accept: "text/html" },
        credentials: "same-origin",
        signal: inflight.signal,
      });
      if (!response.ok) return;
      // Server-rendered and escaped by Django's templates, from this origin.
      panel.innerHTML = await response.text();
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  };
  const changed = (event) => {
    if (!event.target.name || !MATCHED.test(event.target.name)) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  if (form.querySelector("[name='statement']").value.trim()) refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  const kind = document.querySelector("select[name='kind']");
  const deal = document.querySelector("[data-transfer-only]");
  if (kind && deal) setUpTransferOnly(kind, deal);
  for (const container of document.querySelectorAll("[data-rows]")) setUpRows(container);
  const matched = document.querySelector("form[data-match-url]");
  const panel = document.querySelector("[data-match-panel]");
  if (matched && panel) setUpMatching(matched, panel);
});
