/* Page « À faire » : la case « Tout cocher » d'un groupe de valeurs soumises.
 * Amélioration progressive : sans JavaScript, la case reste cachée et chaque valeur se coche
 * une à une ; avec, elle apparaît et coche ou décoche tout le groupe (et passe à l'état
 * « mixte » quand une partie seulement est cochée). Aucun script en ligne (CSP).
 */
(function () {
  "use strict";

  function cases(groupe) {
    return Array.prototype.slice.call(groupe.querySelectorAll('input[type="checkbox"][name="valeur"]'));
  }

  function synchroniser(groupe, tout) {
    var liste = cases(groupe);
    var cochees = liste.filter(function (c) { return c.checked; }).length;
    tout.checked = cochees > 0 && cochees === liste.length;
    tout.indeterminate = cochees > 0 && cochees < liste.length;
  }

  document.querySelectorAll("form.groupe-valeurs").forEach(function (groupe) {
    var tout = groupe.querySelector(".tout-cocher");
    if (!tout) return;
    tout.hidden = false;
    tout.addEventListener("change", function () {
      cases(groupe).forEach(function (c) { c.checked = tout.checked; });
      tout.indeterminate = false;
    });
    groupe.addEventListener("change", function (e) {
      if (e.target.name === "valeur") synchroniser(groupe, tout);
    });
  });
})();
