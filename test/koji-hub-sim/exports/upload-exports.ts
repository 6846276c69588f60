import type { HubServices } from '../hub-services';
import { pyStr } from '../python/py-format';
import type { MethodRegistry } from '../rpc/method-registry';
import type { UploadService } from '../uploads/upload-service';

/** `checkUpload`, the RPC half of uploads (the POST half is in the HTTP handler). */
export function registerUploadExports(r: MethodRegistry, _s: HubServices, uploads: UploadService): void {
  r.add(
    'checkUpload',
    'RootExports.checkUpload(self, path, name, verify=None, tail=None, volume=None)',
    (c, { a }) =>
      uploads.check(
        c,
        pyStr(a.path),
        pyStr(a.name),
        a.verify === null ? null : pyStr(a.verify),
        typeof a.tail === 'number' ? a.tail : null,
        a.volume === null ? null : pyStr(a.volume),
      ),
  );
}
