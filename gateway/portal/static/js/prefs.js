// The user's portal preferences (GET/PUT /api/v1/preferences): language, saved views and
// chosen columns per list. Loaded once after login; a change is saved at once.
import { api } from "./api.js";

let prefs = { language: null, saved_views: {}, columns: {} };

export async function loadPrefs() {
  try {
    prefs = await api.get("/preferences");
  } catch {
    /* keep the defaults: the portal still works */
  }
  return prefs;
}

export function getPrefs() {
  return prefs;
}

export async function savePrefs(change) {
  prefs = await api.put("/preferences", change);
  return prefs;
}
