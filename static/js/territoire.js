/* Pages du territoire : bouton « Imprimer la fiche » et petites courbes d'évolution
 * (Chart.js, servi localement). Chaque courbe lit son bloc JSON (id dans data-sparkline) ;
 * ses valeurs sont aussi dans le tableau « Valeurs par année » et dans l'aria-label (RGAA).
 * Le quartier est en trait plein, Paris en pointillés noirs.
 */
(function () {
  "use strict";
  document.querySelectorAll("[data-imprimer]").forEach(function (bouton) {
    bouton.addEventListener("click", function () {
      window.print();
    });
  });
  if (typeof Chart === "undefined") {
    return;
  }
  var format = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });
  document.querySelectorAll("canvas[data-sparkline]").forEach(function (toile) {
    var bloc = document.getElementById(toile.dataset.sparkline);
    if (!bloc) {
      return;
    }
    var d = JSON.parse(bloc.textContent);
    var suffixe = d.suffixe ? " " + d.suffixe : "";
    // Échelle ajustée aux valeurs tracées (avec une marge) : la courbe occupe toute la hauteur.
    var nombres = d.quartier.concat(d.paris).filter(function (v) {
      return v !== null;
    });
    var bas = Math.min.apply(null, nombres);
    var haut = Math.max.apply(null, nombres);
    var marge = (haut - bas) * 0.1 || Math.abs(haut) * 0.1 || 1;
    new Chart(toile, {
      type: "line",
      data: {
        labels: d.annees.map(String),
        datasets: [
          {
            label: "Quartier",
            data: d.quartier,
            borderColor: "#1d3b6f",
            backgroundColor: "#1d3b6f",
            borderWidth: 2,
            pointRadius: 2,
            spanGaps: true,
          },
          {
            label: "Paris",
            data: d.paris,
            borderColor: "#000000",
            backgroundColor: "#000000",
            borderWidth: 1.5,
            borderDash: [4, 3],
            pointRadius: 0,
            spanGaps: true,
          },
        ],
      },
      options: {
        responsive: false,
        maintainAspectRatio: false,
        animation: false,
        locale: "fr-FR",
        events: ["mousemove", "mouseout"],
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return ctx.dataset.label + " : " + format.format(ctx.parsed.y) + suffixe;
              },
            },
          },
        },
        layout: { padding: 3 },
        scales: {
          x: { display: false },
          y: { display: false, min: bas - marge, max: haut + marge },
        },
      },
    });
  });
})();
