/* Formulaire de fiche-action : champs conditionnels (motif de fin, précision de l'initiative,
 * actions numérotées d'un engagement coché). Fichier statique plutôt que script en ligne :
 * la politique de sécurité du contenu du portail n'autorise aucun script en ligne.
 */
// Amélioration progressive : sans JavaScript, tous les champs restent visibles et utilisables.
(function () {
  function lier(casesSelector, bloc, condition) {
    var cible = document.getElementById(bloc);
    if (!cible) return;
    var maj = function () { cible.hidden = !condition(); };
    document.querySelectorAll(casesSelector).forEach(function (c) { c.addEventListener("change", maj); });
    maj();
  }
  lier("input[name=etat]", "bloc-motif-fin", function () {
    var c = document.querySelector("input[name=etat]:checked"); return c && c.value === "terminee";
  });
  lier("input[name=initiative]", "bloc-initiative-precision", function () {
    return !!document.querySelector("input[name=initiative][value=autre]:checked");
  });
  // Décocher un engagement décoche et masque ses actions numérotées.
  document.querySelectorAll(".js-engagement").forEach(function (caseEngagement) {
    var bloc = document.getElementById(caseEngagement.dataset.actions);
    if (!bloc) return;
    var maj = function () {
      bloc.hidden = !caseEngagement.checked;
      if (!caseEngagement.checked) bloc.querySelectorAll("input").forEach(function (c) { c.checked = false; });
    };
    caseEngagement.addEventListener("change", maj);
    bloc.hidden = !caseEngagement.checked;
  });
})();
