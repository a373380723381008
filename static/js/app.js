// Small enhancements shared by every page; everything works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // The language menu switches on choice; its button is only needed without JavaScript.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    const button = select.form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    select.addEventListener("change", () => select.form.submit());
  }
  // Filter panels fold on phones, so the results come first; wider screens show them open.
  if (window.matchMedia("(min-width: 641px)").matches) {
    for (const details of document.querySelectorAll("details[data-open-wide]")) details.open = true;
  }
});
