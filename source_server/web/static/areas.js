// Areas page: "expand all" / "collapse all" for the tree (the tree itself works without JavaScript).
"use strict";
(function () {
  const tools = document.querySelector(".tree-tools");
  if (!tools) return;
  tools.hidden = false;
  tools.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-tree]");
    if (!button) return;
    const open = button.dataset.tree === "open";
    document.querySelectorAll(".area-tree details").forEach(function (d) { d.open = open; });
  });
})();
