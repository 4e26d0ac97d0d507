// Container images (docs/scanner.md#compressed-files-and-archives), built by hand the way
// `docker save` and OCI tools lay them out: every layer is scanned, a file a later layer deleted
// (whiteout) is found with deleted_in_layer, and the image config (Env, history) is scanned too.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import { runLfk } from './run-lfk.js';
import { describeWithTools, envText, folder, KEY_COLUMN, KEY_LINE, scanJson, sh, write } from './unpack-fixtures.js';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describeWithTools('lfk scan: container images', { timeout: 60_000 }, () => {
  const deletedKey = generateKey();
  const layerKey = generateKey();
  const envKey = generateKey();
  const historyKey = generateKey();
  let root: string;
  let layers: string[];
  let configText: string;

  beforeAll(() => {
    root = folder({
      'l1/app/.env': envText(deletedKey),
      'l1/app/keep.txt': 'kept\n',
      'l2/app/new.env': envText(layerKey),
      // The whiteout: layer 2 deletes app/.env of layer 1.
      'l2/app/.wh..env': '',
    });
    sh('tar cf layer1.tar -C l1 app && tar cf layer2.tar -C l2 app && rm -r l1 l2', root);
    layers = ['layer1.tar', 'layer2.tar'].map((name) => sha256(readFileSync(join(root, name))));
    configText = `${JSON.stringify(
      {
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/usr/bin', `TRUSTLEADS_KEY=${envKey}`] },
        rootfs: { type: 'layers', diff_ids: layers.map((digest) => `sha256:${digest}`) },
        history: [
          { created_by: 'COPY app /app' },
          { created_by: `RUN curl -H "x-api-key: ${historyKey}" https://example.test/` },
        ],
      },
      null,
      2,
    )}\n`;
  });

  function expectImageFindings(
    findings: Awaited<ReturnType<typeof scanJson>>['findings'],
    image: string,
    layerIds: string[],
    config: string,
  ) {
    const by = (secret: string) => findings.filter((finding) => finding.secret === secret);
    expect(by(deletedKey)).toEqual([
      expect.objectContaining({
        file: `${image}!sha256:${layerIds[0]}!app/.env`,
        line: KEY_LINE,
        column: KEY_COLUMN,
        deleted_in_layer: true,
      }),
    ]);
    expect(by(layerKey)).toEqual([
      expect.objectContaining({
        file: `${image}!sha256:${layerIds[1]}!app/new.env`,
        line: KEY_LINE,
        column: KEY_COLUMN,
      }),
    ]);
    expect(by(layerKey)[0]!.deleted_in_layer).toBeUndefined();
    const lines = configText.split('\n');
    const envLine = lines.findIndex((line) => line.includes(envKey)) + 1;
    const historyLine = lines.findIndex((line) => line.includes(historyKey)) + 1;
    expect(by(envKey)).toEqual([expect.objectContaining({ file: `${image}!sha256:${config}`, line: envLine })]);
    expect(by(historyKey)).toEqual([expect.objectContaining({ file: `${image}!sha256:${config}`, line: historyLine })]);
    expect(findings).toHaveLength(4);
  }

  it('a docker save tarball (layer folders first, manifest.json last)', async () => {
    const cwd = folder();
    const configDigest = sha256(configText);
    const ids = ['a', 'b'].map((seed) => sha256(`layer id ${seed}`));
    ids.forEach((id, index) => {
      write(cwd, { [`img/${id}/VERSION`]: '1.0', [`img/${id}/json`]: JSON.stringify({ id }) });
      renameSync(join(root, `layer${index + 1}.tar`), join(cwd, `img/${id}/layer.tar`));
      sh(`cp img/${id}/layer.tar ${join(root, `layer${index + 1}.tar`)}`, cwd);
    });
    write(cwd, {
      [`img/${configDigest}.json`]: configText,
      'img/manifest.json': JSON.stringify([
        { Config: `${configDigest}.json`, RepoTags: ['leak:latest'], Layers: ids.map((id) => `${id}/layer.tar`) },
      ]),
      'img/repositories': JSON.stringify({ leak: { latest: ids[1] } }),
    });
    // Named like anything: the content says "image".
    sh(`tar cf image.tar -C img ${ids.join(' ')} ${configDigest}.json manifest.json repositories && rm -r img`, cwd);
    const scan = await scanJson([], cwd);
    expect(scan.warnings).toEqual([]);
    expectImageFindings(scan.findings, 'image.tar', layers, configDigest);
    const sarif = JSON.parse((await runLfk(['scan', '--format', 'sarif'], { cwd })).stdout);
    const deleted = sarif.runs[0].results.filter(
      (result: { properties?: { deletedInLayer?: boolean } }) => result.properties?.deletedInLayer,
    );
    expect(
      deleted.map(
        (result: { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) =>
          result.locations[0]!.physicalLocation.artifactLocation.uri,
      ),
    ).toEqual([`image.tar!sha256%3A${layers[0]}!app/.env`]);
    // gzip'd as `docker save | gzip` writes it: the same.
    sh('gzip image.tar', cwd);
    expectImageFindings((await scanJson([], cwd)).findings, 'image.tar.gz', layers, configDigest);
  });

  function ociLayout(cwd: string): { layerDigests: string[]; configDigest: string } {
    const blobs = join(cwd, 'img/blobs/sha256');
    mkdirSync(blobs, { recursive: true });
    const put = (bytes: Buffer | string) => {
      const digest = sha256(bytes);
      writeFileSync(join(blobs, digest), bytes);
      return digest;
    };
    // Layers gzip'd, as registries and OCI tools store them.
    sh(`gzip -c ${join(root, 'layer1.tar')} > l1.tgz && gzip -c ${join(root, 'layer2.tar')} > l2.tgz`, cwd);
    const layerDigests = ['l1.tgz', 'l2.tgz'].map((name) => put(readFileSync(join(cwd, name))));
    sh('rm l1.tgz l2.tgz', cwd);
    const configDigest = put(configText);
    const manifest = put(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: `sha256:${configDigest}`,
          size: configText.length,
        },
        layers: layerDigests.map((digest) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: `sha256:${digest}`,
        })),
      }),
    );
    write(cwd, {
      'img/oci-layout': '{"imageLayoutVersion": "1.0.0"}',
      'img/index.json': JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifest}` }],
      }),
    });
    return { layerDigests, configDigest };
  }

  it('an OCI image-layout folder, and the same as a tarball', async () => {
    const cwd = folder();
    const { layerDigests, configDigest } = ociLayout(cwd);
    const scan = await scanJson([], cwd);
    expect(scan.warnings).toEqual([]);
    expectImageFindings(scan.findings, 'img', layerDigests, configDigest);
    sh('tar cf oci.tar -C img oci-layout index.json blobs && rm -r img', cwd);
    const tarball = await scanJson([], cwd);
    expectImageFindings(tarball.findings, 'oci.tar', layerDigests, configDigest);
  });

  it('a tar that only starts like an image is scanned as a plain tar', async () => {
    const cwd = folder({ 'x/manifest.json': '{"not": "an image"}', 'x/app.env': envText(layerKey) });
    sh('tar cf fake.tar -C x manifest.json app.env && rm -r x', cwd);
    const scan = await scanJson([], cwd);
    expect(
      scan.findings.map((finding) => [finding.file, finding.line, finding.column, finding.deleted_in_layer]),
    ).toEqual([['fake.tar!app.env', KEY_LINE, KEY_COLUMN, undefined]]);
  });
});
