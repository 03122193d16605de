// The pages' shared front-end helpers: a DOM element builder and the status badge.
//
// A status is coloured by the category the server sends with it (ok, warning or error: see
// config/statuses.py), never by matching its text, so every page shows a status the same way.
(function () {
  "use strict";
  const BADGE_CLASS = { ok: "ok", warning: "warn", error: "err" };

  // el("td", {class: "muted", title: "..."}, "text", node, [more, children], null)
  // Attributes: "class" sets the class list, anything else setAttribute. Children: nodes, text
  // (numbers too), arrays of them; null, undefined and false are skipped. Text is never parsed
  // as HTML.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(node, child);
      else node.append(child instanceof Node ? child : String(child));
    }
  }

  // The CSS class of a category ("" for none: a neutral badge).
  function categoryClass(category) {
    return BADGE_CLASS[category] || "";
  }

  // A status badge: <span class="badge ok" data-category="ok">text</span>. `base` is the badge's
  // own class on pages with their own badge style (the registration panels use "ara-badge").
  function badge(text, category, base) {
    const cls = [base || "badge", categoryClass(category)].filter(Boolean).join(" ");
    return el("span", { class: cls, "data-category": category || null }, text);
  }

  // Sets an existing badge's text and category.
  function setBadge(node, text, category, base) {
    node.textContent = text;
    node.className = [base || "badge", categoryClass(category)].filter(Boolean).join(" ");
    if (category) node.dataset.category = category; else delete node.dataset.category;
  }

  window.lab = Object.freeze({ el, badge, setBadge, categoryClass });
})();
