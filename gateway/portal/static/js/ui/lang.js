// The language switch in the header and on the login page: the choice is saved in the
// user's preferences once signed in (and cached on this device by i18n.js).
import { html } from "../lib.js";
import { api } from "../api.js";
import { LANGUAGES, lang, setLang, t } from "../i18n.js";

let signedIn = false;

export function setSignedIn(value) {
  signedIn = value;
}

export function chooseLanguage(value) {
  setLang(value);
  if (signedIn) api.put("/preferences", { language: value }).catch(() => {});
}

export function LangSwitch() {
  return html`<div class="lang-switch" role="group" aria-label=${t("app.language")}>
    ${LANGUAGES.map((l) => html`<button type="button" aria-pressed=${lang() === l ? "true" : "false"}
      onClick=${() => chooseLanguage(l)}>${t(`app.lang.${l}`)}</button>`)}
  </div>`;
}
