/* Travaux de fond : un bouton qui lance un travail long ne part qu'une fois.
 * Tout formulaire marqué data-travail voit ses boutons d'envoi désactivés dès le premier envoi
 * (le texte du bouton cliqué devient son data-en-cours, s'il en a un) ; un second envoi est
 * ignoré. De retour sur la page par « Précédent » (cache du navigateur), ils redeviennent
 * actifs. Sans JavaScript, le serveur rend le travail identique déjà lancé : rien n'est doublé.
 */
(function () {
  "use strict";
  function boutons(formulaire) {
    return formulaire.querySelectorAll("button[type=submit], input[type=submit]");
  }
  document.addEventListener("submit", function (evenement) {
    var formulaire = evenement.target;
    if (!formulaire.matches || !formulaire.matches("form[data-travail]")) {
      return;
    }
    if (formulaire.dataset.envoye) {
      evenement.preventDefault();
      return;
    }
    formulaire.dataset.envoye = "1";
    var clique = evenement.submitter;
    // Après l'envoi, pas avant : un bouton désactivé ne partirait pas avec le formulaire.
    window.setTimeout(function () {
      boutons(formulaire).forEach(function (bouton) {
        bouton.disabled = true;
        bouton.setAttribute("aria-disabled", "true");
      });
      if (clique && clique.dataset.enCours) {
        clique.dataset.texte = clique.textContent;
        clique.textContent = clique.dataset.enCours;
      }
    }, 0);
  });
  window.addEventListener("pageshow", function (evenement) {
    if (!evenement.persisted) {
      return;
    }
    document.querySelectorAll("form[data-travail]").forEach(function (formulaire) {
      delete formulaire.dataset.envoye;
      boutons(formulaire).forEach(function (bouton) {
        bouton.disabled = false;
        bouton.removeAttribute("aria-disabled");
        if (bouton.dataset.texte) {
          bouton.textContent = bouton.dataset.texte;
        }
      });
    });
  });
})();
