/* Grille de saisie des valeurs (htmx).
 * - Après l'enregistrement d'une ligne, htmx remplace la ligne et remet le focus sur le champ
 *   qui l'avait (même identifiant) ; ce script annonce le résultat dans la zone #annonce-grille
 *   (lecteurs d'écran), succès comme erreurs : une zone role="alert" insérée avec la ligne
 *   n'est pas lue de façon fiable, la zone live, présente dès le chargement, l'est.
 * - Pendant la frappe, il prévient qu'un écart de plus de ±50 % avec l'année précédente devra
 *   être expliqué dans le commentaire. Le serveur reste seul juge : c'est une aide.
 */
(function () {
  "use strict";
  var SEUIL = 50;
  var annonce = document.getElementById("annonce-grille");

  function nombre(texte) {
    if (texte === undefined || texte === null) return null;
    var propre = String(texte).replace(/[\s\u00a0\u202f%]/g, "").replace(",", ".");
    if (propre === "") return null;
    var n = Number(propre);
    return isNaN(n) ? null : n;
  }

  function valeurLigne(ligne) {
    if (ligne.dataset.nombrePart) {
      var nb = nombre((ligne.querySelector(".champ-nombre") || {}).value);
      var base = nombre((ligne.querySelector(".champ-base") || {}).value);
      return nb !== null && base ? (100 * nb) / base : null;
    }
    return nombre((ligne.querySelector(".champ-valeur") || {}).value);
  }

  function verifierEcart(ligne) {
    var zone = ligne.querySelector(".alerte-ecart");
    var precedente = nombre(ligne.dataset.precedente);
    if (!zone || precedente === null) return;
    var valeur = valeurLigne(ligne);
    var message = "";
    if (valeur !== null) {
      if (precedente === 0 && valeur !== 0) {
        message = "⚠ La valeur passe de 0 à " + valeur.toLocaleString("fr-FR") + " : un commentaire sera demandé.";
      } else if (precedente !== 0) {
        var ecart = (100 * (valeur - precedente)) / Math.abs(precedente);
        if (Math.abs(ecart) > SEUIL) {
          message = "⚠ Écart de " + (ecart > 0 ? "+" : "") + ecart.toLocaleString("fr-FR", { maximumFractionDigits: 1 }) +
            " % avec l’année précédente : expliquez-le dans le commentaire.";
        }
      }
    }
    zone.textContent = message;
  }

  document.addEventListener("input", function (e) {
    var ligne = e.target.closest && e.target.closest("#grille-saisie tbody tr");
    if (ligne && e.target.matches(".champ-valeur, .champ-nombre, .champ-base")) {
      verifierEcart(ligne);
    }
  });

  document.body.addEventListener("htmx:afterSettle", function (e) {
    var cible = e.detail && e.detail.target;
    if (!cible || !cible.id) return;
    var ligne = document.getElementById(cible.id);
    if (!ligne || !annonce) return;
    var texte = ligne.dataset.annonce || "";
    if (ligne.classList.contains("table-danger")) {
      // Le nom du territoire et le détail de chaque champ refusé, pas seulement « corrigez ».
      var details = Array.prototype.map.call(
        ligne.querySelectorAll(".erreur-champ"), function (e) { return e.textContent.trim(); }
      ).filter(Boolean);
      var nom = (ligne.querySelector("th") || {}).textContent || "";
      texte = nom.trim() + " : " + texte + (details.length ? " " + details.join(" ") : "");
    }
    if (texte) {
      // Vider puis remplir : un même message répété est annoncé de nouveau.
      annonce.textContent = "";
      window.setTimeout(function () { annonce.textContent = texte; }, 100);
    }
  });
})();
