/* Accessibility fixes for Dash 4 component markup that Dash offers no props for.
 *
 * Found with axe-core (tests/browser/test_accessibility.py):
 * - dcc.Dropdown: a focusable proxy <input aria-hidden="true"> takes the Tab stop and hands
 *   focus to the real button (tabindex -1) -> "aria-hidden-focus". Here the button itself
 *   is the Tab stop; its accessible name also starts with the <label for=…> text (Dash sets
 *   aria-labelledby to the value only, so "Kennzahl" was never announced).
 * - dcc.RadioItems / dcc.Checklist: role="listbox" with role="option" labels around native
 *   inputs -> "nested-interactive", no group name. Here: radiogroup/group named after the
 *   <label for=…> or the fieldset legend; the labels lose the option role again.
 * - dash_table pager: icon-only buttons without names -> "button-name" (critical).
 * - dcc.Upload: the file <input> has no label -> "label" (critical).
 * The fixes are re-applied after every Dash re-render (MutationObserver).
 */
(function () {
  "use strict";

  var PAGER = {
    "first-page": "Erste Seite",
    "previous-page": "Vorherige Seite",
    "next-page": "Nächste Seite",
    "last-page": "Letzte Seite",
  };
  var counter = 0;

  function ensureId(el, base) {
    if (!el.id) {
      counter += 1;
      el.id = base + "-" + counter;
    }
    return el.id;
  }

  // The visible label of a control: <label for=id>, else the legend of its fieldset.
  function labelOf(el) {
    if (el.id) {
      var label = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (label) {
        return label;
      }
    }
    var fieldset = el.closest("fieldset");
    return fieldset ? fieldset.querySelector("legend") : null;
  }

  function prependLabelledby(el, label) {
    var labelId = ensureId(label, "a11y-label");
    var current = (el.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
    if (current[0] !== labelId) {
      current = current.filter(function (id) {
        return id !== labelId && document.getElementById(id);
      });
      el.setAttribute("aria-labelledby", [labelId].concat(current).join(" "));
    }
  }

  function fixDropdowns() {
    document.querySelectorAll(".dash-dropdown-focus-target").forEach(function (proxy) {
      var button = proxy.nextElementSibling;
      if (!button || button.tagName !== "BUTTON") {
        return;
      }
      if (proxy.tabIndex !== -1) {
        proxy.tabIndex = -1;
      }
      if (!button.disabled && button.tabIndex !== 0) {
        button.tabIndex = 0;
      }
      var label = labelOf(button);
      if (label) {
        prependLabelledby(button, label);
      }
    });
  }

  function fixOptionLists() {
    document
      .querySelectorAll(".dash-radioitems[role=listbox], .dash-checklist[role=listbox]")
      .forEach(function (list) {
        list.setAttribute(
          "role",
          list.classList.contains("dash-radioitems") ? "radiogroup" : "group"
        );
        list.removeAttribute("aria-multiselectable");
      });
    document
      .querySelectorAll(".dash-radioitems, .dash-checklist")
      .forEach(function (list) {
        var label = labelOf(list);
        if (label && !list.hasAttribute("aria-label")) {
          prependLabelledby(list, label);
        }
        list.querySelectorAll(".dash-options-list-option").forEach(function (option) {
          if (option.hasAttribute("role")) {
            option.removeAttribute("role");
          }
          if (option.hasAttribute("aria-selected")) {
            option.removeAttribute("aria-selected");
          }
        });
      });
  }

  function fixPagers() {
    document.querySelectorAll(".previous-next-container").forEach(function (pager) {
      Object.keys(PAGER).forEach(function (cls) {
        var button = pager.querySelector("button." + cls);
        if (button && button.getAttribute("aria-label") !== PAGER[cls]) {
          button.setAttribute("aria-label", PAGER[cls]);
          button.title = PAGER[cls];
        }
      });
      var input = pager.querySelector("input.current-page");
      if (input && !input.hasAttribute("aria-label")) {
        input.setAttribute("aria-label", "Seite");
      }
    });
  }

  // dcc.Upload: its file <input> has no label of its own; name it after the drop zone.
  function fixUploads() {
    document.querySelectorAll("input[type=file]:not([aria-label])").forEach(function (input) {
      if (!input.labels || input.labels.length === 0) {
        input.setAttribute("aria-label", "Datei auswählen");
      }
    });
  }

  function fixAll() {
    fixUploads();
    fixDropdowns();
    fixOptionLists();
    fixPagers();
  }

  new MutationObserver(fixAll).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["tabindex", "role", "aria-selected", "aria-labelledby"],
  });
  fixAll();
})();
