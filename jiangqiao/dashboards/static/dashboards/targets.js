// 匠桥 年度目标: the running sum of a split column and how it stands against the parent's target
// (no inline script, CSP-safe). The server checks the same when saving; this is only a hint.
(function () {
  "use strict";
  if (window.jqTargetSplit) {
    return;
  }
  window.jqTargetSplit = true;

  function parse(text) {
    var clean = (text || "").replace(/[,，\s]/g, "");
    if (!/^\d+$/.test(clean)) {
      return null;
    }
    return parseInt(clean, 10);
  }

  function fmt(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function update(table, code) {
    var cell = table.querySelector('[data-split-sum="' + code + '"]');
    if (!cell) {
      return;
    }
    var sum = 0;
    var bad = false;
    table.querySelectorAll('[data-split-input="' + code + '"]').forEach(function (box) {
      var text = box.value.trim();
      if (!text) {
        return;
      }
      var n = parse(text);
      if (n === null) {
        bad = true;
      } else {
        sum += n;
      }
    });
    var parent = cell.getAttribute("data-parent");
    var total = cell.querySelector("[data-split-total]");
    var hint = cell.querySelector("[data-split-hint]");
    var text;
    var tone;
    if (bad) {
      text = "有不是整数的值";
      tone = "text-danger";
    } else if (parent === "") {
      text = "本级未设目标，不核对";
      tone = "text-secondary";
    } else {
      var p = parseInt(parent, 10);
      if (sum < p) {
        text = "还差 " + fmt(p - sum);
        tone = "text-danger";
      } else if (sum > p) {
        text = "超出 " + fmt(sum - p) + "（允许）";
        tone = "text-warning";
      } else {
        text = "与本级目标一致";
        tone = "text-success";
      }
    }
    total.textContent = fmt(sum);
    hint.textContent = text;
    hint.className = "small d-block " + tone;
  }

  function refresh(root) {
    root.querySelectorAll("[data-split-table]").forEach(function (table) {
      table.querySelectorAll("[data-split-sum]").forEach(function (cell) {
        update(table, cell.getAttribute("data-split-sum"));
      });
    });
  }

  document.addEventListener("input", function (evt) {
    var box = evt.target.closest ? evt.target.closest("[data-split-input]") : null;
    if (!box) {
      return;
    }
    var table = box.closest("[data-split-table]");
    if (table) {
      update(table, box.getAttribute("data-split-input"));
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      refresh(document);
    });
  } else {
    refresh(document);
  }
})();
