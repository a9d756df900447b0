// Importing customers and leads (ui/import-panel.js: preview with the column mapping, mode,
// progress, failed rows, undo) and every past import — customers, leads and products, one
// list through the gateway's GET /imports.
import { html, useState } from "../lib.js";
import { errorText, t } from "../i18n.js";
import { askUndo, historyColumns, ImportPanel, UndoRefusal } from "../ui/import-panel.js";
import { ListPage } from "../ui/list.js";
import { PageHeader } from "../ui/page.js";

const KINDS = ["customers", "leads"];

export default function Imports({ query }) {
  const [n, setN] = useState(0);
  const [refused, setRefused] = useState(null);
  const [error, setError] = useState(null);
  const reload = () => setN((x) => x + 1);
  const undo = async (id) => {
    const answer = await askUndo(id, setRefused);
    reload();
    return answer;
  };
  return html`<section>
    <${PageHeader} title=${t("imports.title")} />
    <${ImportPanel} kinds=${KINDS} onChange=${reload} />
    <h2>${t("imports.history")}</h2>
    <${UndoRefusal} error=${refused} />
    ${error && html`<div class="form-error" role="alert">${errorText(error)}</div>`}
    <${ListPage} headerless listKey="imports" path="/imports" query=${query} refreshKey=${n}
      columns=${historyColumns({ onUndo: undo, onError: setError })} />
  </section>`;
}
