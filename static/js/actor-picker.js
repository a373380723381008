// Actor pickers: each [data-actor-picker] text input becomes an ARIA 1.2 combobox over the actor
// search endpoint. Modes: "name" (the input keeps the chosen actor's name, the server resolves it),
// "tokens" (each choice becomes a removable token carrying the actor's id), "filter" (a hidden input
// carries the actor's id or a country code, the visible one shows its name). Without JavaScript
// every one of them is a plain text field the server understands.
"use strict";

const MIN_CHARS = 2;
const DELAY_MS = 150;
let config = null; // the search URL and the translated words, from [data-actor-search-url]
let live = null;
let serial = 0;
const pickers = new Map(); // input id → Picker, for the "Create it" links

function words(key, values = {}) {
  let text = config.dataset[key] || "";
  for (const [name, value] of Object.entries(values)) text = text.replace(`{${name}}`, value);
  return text;
}

function announce(text) {
  if (!live) {
    live = document.createElement("p");
    live.className = "sr-only";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    document.body.appendChild(live);
  }
  live.textContent = "";
  // A fresh text node after clearing: screen readers announce a change, even to the same words.
  window.setTimeout(() => { live.textContent = text; }, 50);
}

class Picker {
  constructor(input) {
    this.mode = input.dataset.actorPicker;
    this.input = input;
    const hadFocus = document.activeElement === input; // moving a node into the wrapper blurs it
    this.timer = null;
    this.request = null;
    this.options = [];
    this.active = -1;
    const wrapper = document.createElement("div");
    wrapper.className = "picker";
    if (this.mode === "filter") {
      // The field keeps its name and value in a hidden input; the visible one takes its id (and label).
      this.value = input;
      this.input = document.createElement("input");
      this.input.type = "text";
      this.input.id = input.id;
      this.input.value = input.dataset.label || input.value;
      this.input.autocomplete = "off";
      for (const name of ["aria-describedby", "aria-invalid", "size"]) {
        if (input.hasAttribute(name)) this.input.setAttribute(name, input.getAttribute(name));
      }
      input.id = `${input.id}_value`;
      input.type = "hidden";
      input.parentNode.insertBefore(wrapper, input);
      wrapper.append(this.input, input);
      this.input.addEventListener("input", () => { this.value.value = this.input.value.trim(); });
    } else {
      input.parentNode.insertBefore(wrapper, input);
      wrapper.appendChild(input);
    }
    serial += 1;
    this.listbox = document.createElement("ul");
    this.listbox.id = `picker-list-${serial}`;
    this.listbox.setAttribute("role", "listbox");
    this.listbox.hidden = true;
    const label = document.querySelector(`label[for="${this.input.id}"]`);
    if (label) this.listbox.setAttribute("aria-label", label.textContent.trim());
    wrapper.appendChild(this.listbox);
    Object.entries({
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": this.listbox.id,
      autocomplete: "off",
    }).forEach(([name, value]) => this.input.setAttribute(name, value));
    if (this.mode === "tokens") this.setUpTokens();
    this.input.addEventListener("input", () => this.schedule());
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.input.addEventListener("blur", () => window.setTimeout(() => this.close(), 150));
    // Pressing on an option must not blur the input first (the list would close under the pointer).
    this.listbox.addEventListener("mousedown", (event) => event.preventDefault());
    this.listbox.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.choose(this.options[Number(option.dataset.index)]);
    });
    pickers.set(this.input.id, this);
    if (hadFocus) this.input.focus();
  }

  setUpTokens() {
    this.tokens = document.getElementById(`${this.input.id}_tokens`);
    this.name = this.input.dataset.tokensName;
    for (const item of Array.from(this.tokens.querySelectorAll("li"))) {
      const box = item.querySelector("input[type=checkbox]");
      if (box && box.checked) this.addToken(box.value, item.querySelector("label").textContent, item);
      else item.remove();
    }
    this.tokens.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-remove-token]");
      if (button) this.removeToken(button.closest("li"));
    });
  }

  addToken(id, name, replacing = null) {
    const item = document.createElement("li");
    item.className = "token";
    item.dataset.id = id;
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = this.name;
    hidden.value = id;
    const text = document.createElement("span");
    text.textContent = name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "small";
    remove.dataset.removeToken = "";
    remove.setAttribute("aria-label", words("pickerRemove", { name }));
    remove.textContent = "×";
    item.append(hidden, text, remove);
    if (replacing) replacing.replaceWith(item);
    else this.tokens.appendChild(item);
  }

  removeToken(item) {
    const next = item.nextElementSibling || item.previousElementSibling;
    const name = item.querySelector("span").textContent;
    item.remove();
    (next ? next.querySelector("button") : this.input).focus();
    announce(words("pickerRemoved", { name }));
  }

  schedule() {
    window.clearTimeout(this.timer);
    const query = this.input.value.trim();
    if (query.length < MIN_CHARS) {
      this.close();
      return;
    }
    this.timer = window.setTimeout(() => this.search(query), DELAY_MS);
  }

  async search(query) {
    if (this.request) this.request.abort();
    this.request = new AbortController();
    const url = new URL(config.dataset.actorSearchUrl, window.location.href);
    url.searchParams.set("q", query);
    if (this.mode === "filter") url.searchParams.set("countries", "1");
    let body;
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: this.request.signal,
      });
      if (!response.ok) return;
      body = await response.json();
    } catch (error) {
      if (error.name === "AbortError") return;
      throw error;
    }
    const chosen = this.mode === "tokens"
      ? new Set(Array.from(this.tokens.querySelectorAll("li"), (item) => item.dataset.id))
      : new Set();
    this.options = body.results
      .filter((actor) => !chosen.has(String(actor.id)))
      .map((actor) => ({
        value: String(actor.id),
        name: actor.name,
        detail: [actor.country, actor.alias ? words("pickerAlias", { alias: actor.alias }) : ""]
          .filter(Boolean).join(" · "),
      }));
    for (const country of body.countries || []) {
      this.options.push({
        value: country.code,
        name: `${country.code} · ${country.name}`,
        detail: words("pickerCountry"),
      });
    }
    this.render();
  }

  render() {
    this.listbox.replaceChildren();
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.options.forEach((option, index) => {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = `${this.listbox.id}-${index}`;
      item.dataset.index = String(index);
      item.setAttribute("aria-selected", "false");
      item.textContent = option.name;
      if (option.detail) {
        const detail = document.createElement("span");
        detail.className = "muted";
        detail.textContent = ` ${option.detail}`;
        item.appendChild(detail);
      }
      this.listbox.appendChild(item);
    });
    if (this.options.length === 0) {
      this.close();
      announce(words("pickerNone"));
      return;
    }
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    announce(words(this.options.length === 1 ? "pickerOne" : "pickerMany", { n: this.options.length }));
  }

  close() {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  }

  move(step) {
    if (this.options.length === 0) return;
    if (this.listbox.hidden) {
      this.listbox.hidden = false;
      this.input.setAttribute("aria-expanded", "true");
    }
    const items = this.listbox.querySelectorAll("[role=option]");
    if (this.active >= 0) items[this.active].setAttribute("aria-selected", "false");
    this.active = (this.active + step + items.length) % items.length;
    const item = items[this.active];
    item.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", item.id);
    item.scrollIntoView({ block: "nearest" });
  }

  key(event) {
    const open = !this.listbox.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && open && this.active >= 0) {
      event.preventDefault(); // chooses the option; does not submit the form
      this.choose(this.options[this.active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      this.close();
    } else if (event.key === "Backspace" && this.mode === "tokens" && this.input.value === "") {
      const last = this.tokens.querySelector("li:last-child button");
      if (last) last.focus(); // one more key (Enter) removes it: nothing goes by accident
    }
  }

  choose(option) {
    if (!option) return;
    this.close();
    if (this.mode === "tokens") {
      this.addToken(option.value, option.name);
      this.input.value = "";
      announce(words("pickerAdded", { name: option.name }));
    } else {
      this.input.value = option.name;
      if (this.value) this.value.value = option.value;
      announce(words("pickerChosen", { name: option.name }));
    }
    this.input.focus();
  }
}

function enhance(root) {
  for (const input of root.querySelectorAll("input[data-actor-picker]")) {
    if (input.dataset.enhanced || input.closest("template") || input.id.includes("__prefix__")) continue;
    input.dataset.enhanced = "1";
    new Picker(input); // eslint-disable-line no-new
  }
}

function setUpCreateActor(dialog) {
  const form = dialog.querySelector("form[data-create-actor]");
  const errors = form.querySelector("[data-create-actor-errors]");
  let target = null;
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-create-actor-for]");
    if (link) {
      event.preventDefault();
      target = pickers.get(link.dataset.createActorFor) || null;
      form.reset();
      errors.hidden = true;
      if (target) form.elements.name.value = target.input.value.trim();
      dialog.showModal();
      form.elements.name.focus();
    } else if (event.target.closest("[data-close-dialog]")) {
      dialog.close();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.hidden = true;
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const body = await response.json();
    if (!response.ok) {
      errors.textContent = Object.values(body.errors || {}).flat().join(" ");
      errors.hidden = false;
      return;
    }
    dialog.close();
    if (target) target.choose({ value: String(body.id), name: body.name });
    announce(words("pickerCreated", { name: body.name }));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  config = document.querySelector("[data-actor-search-url]");
  if (!config) return;
  for (const link of document.querySelectorAll("a[data-create-actor-for] [data-new-tab]")) link.remove();
  for (const link of document.querySelectorAll("a[data-create-actor-for]")) link.removeAttribute("target");
  enhance(document);
  // Rows added later (a new hop) bring their own pickers.
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) if (node.nodeType === 1) enhance(node);
    }
  }).observe(document.body, { childList: true, subtree: true });
  const dialog = document.getElementById("create-actor");
  if (dialog) setUpCreateActor(dialog);
});
