// Small enhancements shared by every page; everything works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // The language menu switches on choice; its button is only needed without JavaScript.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    const button = select.form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    select.addEventListener("change", () => select.form.submit());
  }
});
