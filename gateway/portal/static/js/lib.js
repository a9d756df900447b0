// The one place that imports the vendored framework: Preact with hooks, and htm for
// templates (tagged template literals: no build step, and text is always escaped).
import { createContext, Fragment, h, render } from "../vendor/preact.mjs";
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from "../vendor/preact-hooks.mjs";
import htm from "../vendor/htm.mjs";

export const html = htm.bind(h);
export { createContext, Fragment, h, render, useCallback, useContext, useEffect, useMemo, useRef, useState };
