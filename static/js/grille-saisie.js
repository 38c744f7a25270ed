/* Grille de saisie des valeurs (htmx).
 * - Après l'enregistrement d'une ligne, htmx remplace la ligne et remet le focus sur le champ
 *   qui l'avait (même identifiant). La même réponse met à jour, hors de la ligne
 *   (hx-swap-oob), les compteurs, la complétude, les boutons d'envoi groupé et la zone
 *   #annonce-grille (role="status") qui annonce le résultat, erreurs comprises.
 * - Un refus du serveur (403 : droit de saisie perdu depuis l'affichage ; 404 : territoire
 *   non attendu) garde son statut d'erreur, et htmx n'insère pas une réponse en erreur
 *   (config responseHandling par défaut) : la ligne et l'annonce seraient perdues, la zone
 *   #annonce-grille muette. La réponse d'un refus de la grille porte l'annonce : ce script la
 *   fait insérer. Toute autre erreur (jeton CSRF périmé, erreur 500, serveur injoignable)
 *   est annoncée par ce script, dans la zone et sous le bouton de la ligne.
 * - Pendant la frappe, il prévient de ce que le serveur dira, dans le même ordre que lui
 *   (indicateurs/saisie.py, controler_saisie) : d'abord une valeur impossible (part hors de
 *   0 à 100, nombre négatif ou non entier, nombre supérieur à la base), et seulement sinon un
 *   écart de plus de ±50 % avec l'année précédente, qui devra être expliqué dans le
 *   commentaire. Le serveur reste seul juge : c'est une aide.
 */
(function () {
  "use strict";
  var SEUIL = 50;
  var POURCENTAGES = ["part", "taux"];

  function nombre(texte) {
    if (texte === undefined || texte === null) return null;
    var propre = String(texte).replace(/[\s\u00a0\u202f%]/g, "").replace(",", ".");
    if (propre === "") return null;
    var n = Number(propre);
    return isNaN(n) ? NaN : n;
  }

  function champ(ligne, classe) {
    return nombre((ligne.querySelector(classe) || {}).value);
  }

  function fr(n) {
    return n.toLocaleString("fr-FR", { maximumFractionDigits: 2 });
  }

  // Ce qui rend la saisie impossible, ou "" : la même règle que Valeur.clean.
  function impossible(ligne) {
    if (ligne.dataset.nombrePart) {
      var nb = champ(ligne, ".champ-nombre");
      var base = champ(ligne, ".champ-base");
      if (Number.isNaN(nb) || Number.isNaN(base)) return "⚠ Saisissez des nombres entiers.";
      if ((nb !== null && (nb < 0 || !Number.isInteger(nb))) || (base !== null && (base <= 0 || !Number.isInteger(base)))) {
        return "⚠ Le nombre est un entier positif ou nul, la base un entier strictement positif.";
      }
      if (nb !== null && base !== null && nb > base) {
        return "⚠ Le nombre (" + fr(nb) + ") ne peut pas dépasser la base (" + fr(base) + ").";
      }
      return "";
    }
    var valeur = champ(ligne, ".champ-valeur");
    if (Number.isNaN(valeur)) return "⚠ Saisissez un nombre.";
    if (valeur === null) return "";
    var unite = ligne.dataset.unite;
    if (POURCENTAGES.indexOf(unite) !== -1 && (valeur < 0 || valeur > 100)) {
      return "⚠ Une part ou un taux s’exprime en pourcentage, entre 0 et 100.";
    }
    if (unite === "nombre" && (valeur < 0 || !Number.isInteger(valeur))) {
      return "⚠ Un nombre doit être un entier positif ou nul.";
    }
    return "";
  }

  function valeurLigne(ligne) {
    if (ligne.dataset.nombrePart) {
      var nb = champ(ligne, ".champ-nombre");
      var base = champ(ligne, ".champ-base");
      return nb !== null && base ? (100 * nb) / base : null;
    }
    return champ(ligne, ".champ-valeur");
  }

  function ecart(ligne) {
    var precedente = nombre(ligne.dataset.precedente);
    var valeur = valeurLigne(ligne);
    if (precedente === null || Number.isNaN(precedente) || valeur === null) return "";
    if (precedente === 0 && valeur !== 0) {
      return "⚠ La valeur passe de 0 à " + fr(valeur) + " : un commentaire sera demandé.";
    }
    if (precedente !== 0) {
      var pourcentage = (100 * (valeur - precedente)) / Math.abs(precedente);
      if (Math.abs(pourcentage) > SEUIL) {
        return "⚠ Écart de " + (pourcentage > 0 ? "+" : "") +
          pourcentage.toLocaleString("fr-FR", { maximumFractionDigits: 1 }) +
          " % avec l’année précédente : expliquez-le dans le commentaire.";
      }
    }
    return "";
  }

  function verifier(ligne) {
    var zone = ligne.querySelector(".alerte-ecart");
    if (!zone) return;
    zone.textContent = impossible(ligne) || ecart(ligne);
  }

  function ligneDeLaGrille(e) {
    var cible = e.detail && e.detail.elt;
    return cible && cible.closest ? cible.closest("#grille-saisie tbody tr") : null;
  }

  function annoncerEchec(ligne, texte) {
    var zone = document.getElementById("annonce-grille");
    if (zone) zone.textContent = texte;
    var bouton = ligne.querySelector("button[type=submit]");
    if (!bouton) return;
    var message = bouton.parentNode.querySelector(".erreur-ligne");
    if (!message) {
      message = document.createElement("div");
      message.className = "small text-danger-emphasis mt-1 erreur-ligne";
      bouton.parentNode.appendChild(message);
    }
    message.textContent = texte;
  }

  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    if (!xhr || xhr.status < 400 || !ligneDeLaGrille(e)) return;
    if ((e.detail.serverResponse || "").indexOf('id="annonce-grille"') !== -1) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (e) {
    var ligne = ligneDeLaGrille(e);
    if (!ligne) return;
    annoncerEchec(ligne, "La ligne n’a pas été enregistrée : le serveur a répondu par une " +
      "erreur (" + e.detail.xhr.status + "). Rechargez la page, puis recommencez.");
  });

  document.addEventListener("htmx:sendError", function (e) {
    var ligne = ligneDeLaGrille(e);
    if (!ligne) return;
    annoncerEchec(ligne, "La ligne n’a pas été enregistrée : le serveur ne répond pas. " +
      "Vérifiez la connexion, puis recommencez.");
  });

  document.addEventListener("input", function (e) {
    var ligne = e.target.closest && e.target.closest("#grille-saisie tbody tr");
    if (ligne && e.target.matches(".champ-valeur, .champ-nombre, .champ-base")) {
      verifier(ligne);
    }
  });
})();
