// A contact's photo and direct superior (直接领导) on the customer's contacts tab: the photo
// is fetched with the session (an <img> cannot send it) and shown as a picture, else the
// name's first character; uploading one replaces it (the server shrinks it to a JPEG).
import { html } from "../lib.js";
import { t } from "../i18n.js";
import { AuthedPicture, PictureButtons, pictureLabels } from "../ui/picture.js";

/** The choices for a contact's superior: the customer's other contacts, never itself. */
export function superiorOptions(contacts, self) {
  return contacts.filter((c) => !self || c.id !== self.id).map((c) => [c.id, c.title ? `${c.name}（${c.title}）` : c.name]);
}

/** The contacts' chart as "name → their superior's name" lines for the card. */
export function superiorName(contacts, contact) {
  const boss = contact.superior_id && contacts.find((c) => c.id === contact.superior_id);
  return boss ? boss.name : null;
}

export function ContactPhoto({ contact }) {
  return html`<${AuthedPicture} path=${`/contacts/${contact.id}/photo`} version=${contact.photo_updated_at}
    className="contact-photo" alt=${t("contact.photo_of", { name: contact.name })}
    fallback=${html`<span class="contact-photo initials" aria-hidden="true">${(contact.name || "?").slice(0, 1)}</span>`} />`;
}

export function PhotoButtons({ contact, onChanged }) {
  return html`<${PictureButtons} path=${`/contacts/${contact.id}/photo`} has=${Boolean(contact.photo_updated_at)}
    labels=${pictureLabels("contact.photo")} onChanged=${onChanged} testid="contact-photo-input" />`;
}
