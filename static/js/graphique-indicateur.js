/* Graphique d'évolution d'un indicateur (Chart.js, servi localement).
 * Les données viennent du bloc JSON #donnees-graphique ; le même contenu est lisible dans le
 * tableau qui accompagne le graphique (RGAA). Paris, la référence, est tracé en noir pointillé.
 */
(function () {
  "use strict";
  var bloc = document.getElementById("donnees-graphique");
  var toile = document.getElementById("graphique-evolution");
  if (!bloc || !toile || typeof Chart === "undefined") {
    return;
  }
  var donnees = JSON.parse(bloc.textContent);
  var suffixe = donnees.suffixe ? " " + donnees.suffixe : "";
  var format = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });
  var graphique = new Chart(toile, {
    type: "line",
    data: {
      labels: donnees.annees.map(String),
      datasets: donnees.series.map(function (s) {
        return {
          label: s.nom,
          data: s.donnees,
          borderColor: s.couleur,
          backgroundColor: s.couleur,
          borderWidth: s.paris ? 3 : 2,
          borderDash: s.paris ? [6, 4] : [],
          pointRadius: 4,
          spanGaps: true,
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      locale: "fr-FR",
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 10, boxHeight: 10, font: { size: 11 } } },
        title: { display: true, text: donnees.titre },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              return ctx.dataset.label + " : " + format.format(ctx.parsed.y) + suffixe;
            },
          },
        },
      },
      scales: {
        y: {
          beginAtZero: true,
          ticks: {
            callback: function (v) {
              return format.format(v) + suffixe;
            },
          },
        },
      },
    },
  });
  // Accès pour les tests de bout en bout et le débogage.
  window.graphiquesPortail = window.graphiquesPortail || {};
  window.graphiquesPortail.evolution = graphique;
})();
