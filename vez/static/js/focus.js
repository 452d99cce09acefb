/* Keyboard focus after an htmx swap. A file of its own: the CSP allows no inline script.

   htmx itself gives focus back to an element of the new content that has the focused element's id (the
   home tabs, the year links), and to one marked autofocus. When neither applies and the swap took away
   the element that had focus (the "Next" button of registration, say), focus goes to the new content's
   [data-focus] element, else its first heading, else its first invalid field; never to <body>. A swap
   that did not take focus away (the payment-status poll) leaves focus where it is. */
(function () {
  "use strict";
  var focusedBefore = new WeakMap();

  function focusable(element) {
    if (element.tabIndex < 0 && !element.hasAttribute("tabindex")) {
      element.setAttribute("tabindex", "-1");
    }
    return element;
  }

  function landing(content) {
    return (
      content.querySelector("[data-focus]") ||
      content.querySelector("h1, h2, h3, h4") ||
      content.querySelector('[aria-invalid="true"]') ||
      content
    );
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    if (active && active !== document.body) {
      focusedBefore.set(event.detail.xhr, active);
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var before = focusedBefore.get(event.detail.xhr);
    focusedBefore.delete(event.detail.xhr);
    var active = document.activeElement;
    if (!before || (active && active !== document.body && active.isConnected)) {
      return;
    }
    var content = event.target;
    if (content && content.isConnected) {
      focusable(landing(content)).focus();
    }
  });
})();
