// Deletions in a container image: a later layer deletes a file with a whiteout entry
// (`dir/.wh.name`) or empties a folder with an opaque one (`dir/.wh..wh..opq`), as the OCI image
// spec and Docker write them. Files a later layer deleted are still in the image's earlier
// layers, so they are scanned and marked.
import { normalizeLayerPath } from './walk.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

export class ImageLayers {
  private readonly deleted: Array<{ index: number; path: string; opaque: boolean }> = [];

  /** Records `name` when it is a whiteout (then it is not a file to scan) and says so. */
  recordWhiteout(index: number, name: string): boolean {
    const path = normalizeLayerPath(name);
    const slash = path.lastIndexOf('/');
    const folder = slash === -1 ? '' : path.slice(0, slash);
    const base = path.slice(slash + 1);
    if (!base.startsWith(WHITEOUT)) return false;
    if (base === OPAQUE) this.deleted.push({ index, path: folder, opaque: true });
    else
      this.deleted.push({
        index,
        path: folder === '' ? base.slice(WHITEOUT.length) : `${folder}/${base.slice(WHITEOUT.length)}`,
        opaque: false,
      });
    return true;
  }

  /** A layer after `index` deleted `path` (the file, or a folder holding it). */
  deletedAfter(index: number, path: string): boolean {
    const target = normalizeLayerPath(path);
    return this.deleted.some((whiteout) => {
      if (whiteout.index <= index) return false;
      if (whiteout.opaque) return whiteout.path === '' || target.startsWith(`${whiteout.path}/`);
      return target === whiteout.path || target.startsWith(`${whiteout.path}/`);
    });
  }
}
