// Pictures the API answers only with the session's token (a contact's photo, a product's
// picture): fetched by script and shown from a blob: URL (an <img src> cannot send the
// token), re-fetched when their time changes; and the buttons that upload or remove one.
import { html, useEffect, useRef, useState } from "../lib.js";
import { api, request } from "../api.js";
import { errorText, t } from "../i18n.js";
import { toast } from "./feedback.js";

/** The picture at `path` (version: its *_updated_at, null when there is none), else `fallback`. */
export function AuthedPicture({ path, version, alt, className, fallback = null }) {
  const [src, setSrc] = useState(null);
  useEffect(() => {
    if (!version) {
      setSrc(null);
      return undefined;
    }
    let live = true;
    let made = null;
    api.file(path, { v: version }).then((r) => r.blob()).then((blob) => {
      if (!live) return;
      made = URL.createObjectURL(blob);
      setSrc(made);
    }).catch(() => live && setSrc(null));
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [path, version]);
  return src ? html`<img class=${className} src=${src} alt=${alt} />` : fallback;
}

/** "Upload / change" and "remove" for the picture at `path` (PUT multipart, DELETE). */
export function PictureButtons({ path, has, labels, onChanged, testid }) {
  const input = useRef(null);
  const [busy, setBusy] = useState(false);
  const run = async (work, done) => {
    setBusy(true);
    try {
      await work();
      toast(done);
      onChanged();
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  const upload = (event) => {
    const file = event.target.files && event.target.files[0];
    event.target.value = "";
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    run(() => request("PUT", path, { form }), labels.saved);
  };
  return html`<input ref=${input} type="file" accept="image/jpeg,image/png,image/webp,image/gif" hidden
      data-testid=${testid} onChange=${upload} />
    <button type="button" class="link" disabled=${busy} onClick=${() => input.current.click()}>${has ? labels.change : labels.add}</button>
    ${has && html`<button type="button" class="link" disabled=${busy} onClick=${() => run(() => api.del(path), labels.removed)}>${labels.remove}</button>`}`;
}

export const pictureLabels = (prefix) => ({
  add: t(`${prefix}_add`), change: t(`${prefix}_change`), remove: t(`${prefix}_remove`),
  saved: t(`${prefix}_saved`), removed: t(`${prefix}_removed`),
});
