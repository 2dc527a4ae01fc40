// 匠桥 role editor: filter the permission table by business name (no inline script, CSP-safe).
(function () {
  "use strict";
  if (window.jqPermissionMatrix) {
    return;
  }
  window.jqPermissionMatrix = true;
  document.addEventListener("input", function (evt) {
    var box = evt.target.closest ? evt.target.closest("[data-permission-filter]") : null;
    if (!box) {
      return;
    }
    var matrix = box.closest("[data-permission-matrix]");
    var text = box.value.trim();
    var blocks = matrix.querySelectorAll("[data-permission-block]");
    for (var i = 0; i < blocks.length; i++) {
      var rows = blocks[i].querySelectorAll("[data-permission-row]");
      var shown = 0;
      for (var j = 0; j < rows.length; j++) {
        var hit = !text || rows[j].getAttribute("data-label").indexOf(text) !== -1;
        rows[j].hidden = !hit;
        if (hit) {
          shown++;
        }
      }
      blocks[i].hidden = shown === 0;
    }
  });
})();
