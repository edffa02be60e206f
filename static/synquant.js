// The book's PDF in the download menu (make pdf prints it beside the pages: synquant.pdf,
// or synquant-student.pdf for the student edition), above the print of the one page.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.documentElement.dataset.content_root || "";
  const student = document.title.includes("(student edition)");
  const name = student ? "synquant-student.pdf" : "synquant.pdf";
  for (const menu of document.querySelectorAll(".dropdown-download-buttons ul")) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = root + name;
    link.className = "btn btn-sm dropdown-item synquant-pdf";
    link.title = "The whole book as one PDF";
    link.innerHTML = '<span class="btn__icon-container"><i class="fas fa-book"></i></span>'
      + '<span class="btn__text-container">book .pdf</span>';
    item.appendChild(link);
    menu.prepend(item);
    const print = menu.querySelector(".btn-download-pdf-button .btn__text-container");
    if (print) print.textContent = "page .pdf";
  }
});
