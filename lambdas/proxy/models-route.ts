/** GET /v1/models and /v1/models/{id}: the models a tenant may call, by alias and by catalog id. */
import { NotFoundError } from '../shared/errors';
import { allowedRoutes, catalogModel } from '../shared/policy/model-catalog';
import type { TenantConfig } from '../shared/policy/tenant-config';
import type { TrackedResponse } from './tracked-response';

export async function handleModels(res: TrackedResponse, tenant: TenantConfig, modelId: string | null): Promise<void> {
  const data: Array<{ type: 'model'; id: string; display_name: string; created_at: string }> = [];
  const seen = new Set<string>();
  const add = (id: string, catalogId: string): void => {
    const model = catalogModel(catalogId);
    if (!model || seen.has(id) || allowedRoutes(model, tenant.provider, tenant.residency).length === 0) return;
    seen.add(id);
    data.push({ type: 'model', id, display_name: model.displayName, created_at: model.createdAt });
  };
  for (const [alias, catalogId] of Object.entries(tenant.models)) add(alias, catalogId);
  for (const catalogId of Object.values(tenant.models)) add(catalogId, catalogId);
  if (modelId !== null) {
    const found = data.find((model) => model.id === modelId);
    // The id is not echoed (no raw request value in an error): GET /v1/models lists what exists.
    if (!found) throw new NotFoundError('model: no such model for this tenant (see GET /v1/models).');
    res.json(200, found);
    return;
  }
  res.json(200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
}
