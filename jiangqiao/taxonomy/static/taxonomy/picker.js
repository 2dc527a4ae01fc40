// 匠桥 taxonomy picker (TermPickerWidget): event delegation only, no library beyond htmx 2.
// The search box sends hx-get to the picker endpoint; this file adds the query text as `q`,
// handles choosing a result (hidden input + label, or a chip per code) and keyboard use.
(function () {
  "use strict";
  if (window.jqTermPicker) {
    return;
  }
  window.jqTermPicker = true;

  function pickerOf(el) {
    return el && el.closest ? el.closest("[data-term-picker]") : null;
  }
  function part(picker, selector) {
    return picker.querySelector(selector);
  }
  function closeResults(picker) {
    var results = part(picker, "[data-term-results]");
    var query = part(picker, "[data-term-query]");
    if (results) {
      results.innerHTML = "";
    }
    if (query) {
      query.setAttribute("aria-expanded", "false");
    }
  }
  function changed(input) {
    input.dispatchEvent(new Event("change", { bubbles: true }));
    // A list's filter panel listens for this (hx-trigger "picked"): a choice filters at once,
    // like a select does, and the filters go into the address.
    input.dispatchEvent(new CustomEvent("picked", { bubbles: true }));
  }

  function addChip(picker, code, label) {
    var chips = part(picker, "[data-term-chips]");
    var existing = chips.querySelectorAll("[data-term-chip]");
    for (var i = 0; i < existing.length; i++) {
      if (existing[i].getAttribute("data-code") === code) {
        return;
      }
    }
    var chip = document.createElement("span");
    chip.className = "badge bg-blue-lt d-inline-flex align-items-center";
    chip.setAttribute("data-term-chip", "");
    chip.setAttribute("data-code", code);
    chip.appendChild(document.createTextNode(label));
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = picker.getAttribute("data-name");
    input.value = code;
    chip.appendChild(input);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close ms-1";
    remove.setAttribute("data-term-remove", "");
    remove.setAttribute("aria-label", "移除 " + label);
    chip.appendChild(remove);
    chips.appendChild(chip);
    changed(input);
  }

  function choose(picker, code, label) {
    var query = part(picker, "[data-term-query]");
    if (picker.hasAttribute("data-multiple")) {
      addChip(picker, code, label);
      query.value = "";
    } else {
      var hidden = part(picker, "[data-term-value]");
      hidden.value = code;
      query.value = label;
      changed(hidden);
    }
    closeResults(picker);
    // Focus goes back to the box for the keyboard; short lists also search on focus, which must
    // not reopen the list that was just closed (configRequest below drops that one request).
    query.jqPickedAt = Date.now();
    query.focus();
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.matches && elt.matches("[data-term-query]")) {
      var trigger = evt.detail.triggeringEvent;
      if (trigger && trigger.type === "focus" && elt.jqPickedAt && Date.now() - elt.jqPickedAt < 1000) {
        elt.jqPickedAt = 0;
        evt.preventDefault();
        return;
      }
      evt.detail.parameters.q = elt.value;
    }
  });

  document.addEventListener("htmx:afterSwap", function (evt) {
    var target = evt.detail.target;
    if (target && target.matches && target.matches("[data-term-results]")) {
      var picker = pickerOf(target);
      var query = picker ? part(picker, "[data-term-query]") : null;
      if (query) {
        query.setAttribute("aria-expanded", target.children.length ? "true" : "false");
      }
    }
  });

  document.addEventListener("input", function (evt) {
    var query = evt.target.closest ? evt.target.closest("[data-term-query]") : null;
    var picker = pickerOf(query);
    if (!picker || picker.hasAttribute("data-multiple")) {
      return;
    }
    // Typing after a choice invalidates it: the server resolves the typed text instead.
    var hidden = part(picker, "[data-term-value]");
    if (hidden && hidden.value) {
      hidden.value = "";
      changed(hidden);
    }
  });

  document.addEventListener("click", function (evt) {
    var target = evt.target;
    var pick = target.closest ? target.closest("[data-term-pick]") : null;
    if (pick && pickerOf(pick)) {
      evt.preventDefault();
      choose(pickerOf(pick), pick.getAttribute("data-code"), pick.getAttribute("data-label"));
      return;
    }
    var remove = target.closest ? target.closest("[data-term-remove]") : null;
    if (remove && pickerOf(remove)) {
      var picker = pickerOf(remove);
      var chip = remove.closest("[data-term-chip]");
      if (chip) {
        chip.remove();
      }
      changed(part(picker, "[data-term-query]"));
      return;
    }
    var clear = target.closest ? target.closest("[data-term-clear]") : null;
    if (clear && pickerOf(clear)) {
      var owner = pickerOf(clear);
      var hidden = part(owner, "[data-term-value]");
      var query = part(owner, "[data-term-query]");
      hidden.value = "";
      query.value = "";
      changed(hidden);
      closeResults(owner);
      query.focus();  // an emptied short list may open again: that is the next choice
      return;
    }
    var open = document.querySelectorAll("[data-term-picker]");
    for (var i = 0; i < open.length; i++) {
      if (!open[i].contains(target)) {
        closeResults(open[i]);
      }
    }
  });

  document.addEventListener("keydown", function (evt) {
    var target = evt.target;
    if (!target.closest) {
      return;
    }
    var item = target.closest("[data-term-pick]");
    var query = target.closest("[data-term-query]");
    var picker = pickerOf(item || query);
    if (!picker) {
      return;
    }
    var items = picker.querySelectorAll("[data-term-pick]");
    if (evt.key === "Escape") {
      closeResults(picker);
      part(picker, "[data-term-query]").focus();
      return;
    }
    if (query) {
      if (evt.key === "Enter") {
        // Never submit the surrounding form from the search box; pick the first result.
        evt.preventDefault();
        if (items.length) {
          items[0].click();
        }
      } else if (evt.key === "ArrowDown" && items.length) {
        evt.preventDefault();
        items[0].focus();
      }
      return;
    }
    var index = Array.prototype.indexOf.call(items, item);
    if (evt.key === "ArrowDown" && index < items.length - 1) {
      evt.preventDefault();
      items[index + 1].focus();
    } else if (evt.key === "ArrowUp") {
      evt.preventDefault();
      if (index > 0) {
        items[index - 1].focus();
      } else {
        part(picker, "[data-term-query]").focus();
      }
    }
  });
})();
