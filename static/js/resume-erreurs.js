/* Après un envoi refusé par le serveur, le focus va au résumé des erreurs (#resume-erreurs) :
 * le lecteur d'écran le lit, et ses liens mènent à chaque champ fautif (RGAA 11.10). Sans ce
 * script, le focus reste sur <body> et rien n'est annoncé. Fichier statique : la politique de
 * sécurité du contenu refuse tout script en ligne.
 */
(function () {
  "use strict";
  var resume = document.getElementById("resume-erreurs");
  if (!resume) return;
  if (!resume.hasAttribute("tabindex")) resume.setAttribute("tabindex", "-1");
  resume.focus();
})();
