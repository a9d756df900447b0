// A contact's photo and direct superior (直接领导) on the customer's contacts tab: the photo
// is fetched with the session (an <img> cannot send it) and shown as a picture, else the
// name's first character; uploading one replaces it (the server shrinks it to a JPEG).
import { html, useEffect, useRef, useState } from "../lib.js";
import { api, request } from "../api.js";
import { errorText, t } from "../i18n.js";
import { toast } from "../ui/feedback.js";

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
  const [src, setSrc] = useState(null);
  useEffect(() => {
    if (!contact.photo_updated_at) {
      setSrc(null);
      return undefined;
    }
    let live = true;
    let made = null;
    api.file(`/contacts/${contact.id}/photo`, { v: contact.photo_updated_at })
      .then((r) => r.blob()).then((blob) => {
        if (!live) return;
        made = URL.createObjectURL(blob);
        setSrc(made);
      }).catch(() => live && setSrc(null));
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [contact.id, contact.photo_updated_at]);
  return src
    ? html`<img class="contact-photo" src=${src} alt=${t("contact.photo_of", { name: contact.name })} />`
    : html`<span class="contact-photo initials" aria-hidden="true">${(contact.name || "?").slice(0, 1)}</span>`;
}

export function PhotoButtons({ contact, onChanged }) {
  const input = useRef(null);
  const [busy, setBusy] = useState(false);
  const upload = async (event) => {
    const file = event.target.files && event.target.files[0];
    event.target.value = "";
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    setBusy(true);
    try {
      await request("PUT", `/contacts/${contact.id}/photo`, { form });
      toast(t("contact.photo_saved"));
      onChanged();
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await api.del(`/contacts/${contact.id}/photo`);
      toast(t("contact.photo_removed"));
      onChanged();
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  return html`<input ref=${input} type="file" accept="image/jpeg,image/png,image/webp,image/gif" hidden
      data-testid="contact-photo-input" onChange=${upload} />
    <button type="button" class="link" disabled=${busy} onClick=${() => input.current.click()}>
      ${contact.photo_updated_at ? t("contact.photo_change") : t("contact.photo_add")}</button>
    ${contact.photo_updated_at && html`<button type="button" class="link" disabled=${busy} onClick=${remove}>${t("contact.photo_remove")}</button>`}`;
}
