/* The loyalty card's rotating code, renewed in place when it changes: the card section is
   fetched again and swapped, so the page never reloads under a reader's eyes (a meta refresh
   would move a screen reader back to the top every minute). Without JavaScript the page
   offers a "Show a new code" link instead. */
(function () {
  "use strict";

  function schedule(section) {
    var seconds = parseInt(section.getAttribute("data-refresh-seconds"), 10);
    if (seconds > 0) {
      window.setTimeout(renew, seconds * 1000);
    }
  }

  function renew() {
    return fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".loyalty-card");
        var current = document.querySelector(".loyalty-card");
        if (fresh && current) {
          current.replaceWith(fresh);
          schedule(fresh);
        }
      })
      .catch(function () {
        window.setTimeout(renew, 30000);
      });
  }

  window.skyparkCardRenew = renew;
  document.addEventListener("DOMContentLoaded", function () {
    var section = document.querySelector(".loyalty-card[data-refresh-seconds]");
    if (section) {
      schedule(section);
    }
  });
})();
