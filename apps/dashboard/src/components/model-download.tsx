import { downloadBlob } from './chart-data';
import { useState } from 'preact/hooks';
import { useSession } from '../session';

/**
 * The model files need the Bearer token, so a plain link cannot fetch them: each file is fetched
 * and handed to the browser as a download. model.json and its weights in one folder load with
 * `tf.loadLayersModel('file://…/model.json')` (Node) or from any static server.
 */
export function ModelDownload({ id }: { id: string }) {
  const { api } = useSession();
  const [state, setState] = useState<string>();
  const download = async () => {
    setState('Downloading…');
    try {
      const json = await api.modelJson(id);
      save(new Blob([JSON.stringify(json)], { type: 'application/json' }), 'model.json');
      const files = (json.weightsManifest ?? []).flatMap((g) => g.paths);
      for (const file of files) save(await api.modelFile(id, file), file);
      setState(`Saved model.json and ${files.length} weights file${files.length === 1 ? '' : 's'}`);
    } catch (err) {
      setState(`Download failed: ${(err as Error).message}`);
    }
  };
  return (
    <span class="inline-controls">
      <button onClick={download} data-testid="download-model">
        Download model
      </button>
      {state && <span class="muted small">{state}</span>}
    </span>
  );
}

const save = (blob: Blob, name: string) => downloadBlob(name, blob);
