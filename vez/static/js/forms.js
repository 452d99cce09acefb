// "Show password" (templates/partials/_form.html): the checkbox beside a password field turns the fields it names
// into plain text and back. The fields stay type=password in the HTML, so without JavaScript they are ordinary
// password fields and the checkbox stays hidden. A static file: the CSP allows no inline script.
document.documentElement.classList.add("js");

function vezReveal(box) {
  box.getAttribute("data-reveals").split(" ").forEach(function (id) {
    var input = document.getElementById(id);
    if (input) input.type = box.checked ? "text" : "password";
  });
}

document.addEventListener("change", function (event) {
  if (event.target.matches("input[data-reveals]")) vezReveal(event.target);
});

// Hidden again before the form leaves, so no browser keeps a password typed in a text field.
document.addEventListener("submit", function (event) {
  event.target.querySelectorAll("input[data-reveals]:checked").forEach(function (box) {
    box.checked = false;
    vezReveal(box);
  });
}, true);
