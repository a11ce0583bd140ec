/**
 * The audit catalog: Glue tables over the audit bucket (`gateway_audit`, `cloudtrail_events`,
 * `bedrock_invocations`) with partition projection, and one Athena named query per compliance query, rendered
 * from the same definitions the CLI and the audit Lambda use (`lambdas/shared/queries`).
 */
import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IDependable } from 'constructs';
import { glueColumns } from '../../lambdas/shared/audit/columns';
import { AUDIT_PREFIX } from '../../lambdas/shared/audit/object-key';
import { TENANT_ID_PATTERN } from '../../lambdas/shared/policy/tenant-config';
import { NAMED_QUERIES, renderAthenaConsoleQuery } from '../../lambdas/shared/queries';
import { DATE_PATTERN, ROLE_ARN_PATTERN } from '../../lambdas/shared/queries/params';
import {
  BEDROCK_INVOCATION_COLUMNS,
  BEDROCK_INVOCATION_PARTITION,
  CLOUDTRAIL_COLUMNS,
  CLOUDTRAIL_PARTITION,
  CLOUDTRAIL_REGION_PARTITION,
  sourceGlueColumns,
} from '../../lambdas/shared/queries/tables';
import commercialRegions from '../data/aws-commercial-regions.json';

/** Table names, shared with the queries and the DuckDB views. */
export const AUDIT_TABLES = {
  gatewayAudit: 'gateway_audit',
  cloudTrail: 'cloudtrail_events',
  bedrockInvocations: 'bedrock_invocations',
} as const;

const HIVE_JSON_SERDE = 'org.apache.hive.hcatalog.data.JsonSerDe';
const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
const CLOUDTRAIL_INPUT_FORMAT = 'com.amazon.emr.cloudtrail.CloudTrailInputFormat';
const HIVE_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/**
 * Every commercial Region (dated list in `lib/data/aws-commercial-regions.json`): the multi-region trail writes a
 * folder per enabled Region and global service events (IAM, STS, ...) into `us-east-1`, so shadow Bedrock use in
 * any Region is only found when the projection enumerates them all.
 */
export const COMMERCIAL_REGIONS: readonly string[] = commercialRegions.regions;

/** A placeholder role for the console shadow/reconciliation queries when no role ARN is known at synth. */
export const UNSET_GATEWAY_ROLE_ARN = 'arn:aws:iam::000000000000:role/SET-THE-GATEWAY-ROLE-ARN';

export interface AuditCatalogProps {
  /** Glue database the tables are created in (e.g. `AthenaWorkgroup.databaseName`). */
  readonly databaseName: string;
  /** Athena workgroup the named queries are saved in. */
  readonly workgroupName: string;
  /** The audit bucket (records under `audit/v1/`, CloudTrail, Bedrock invocation logs). */
  readonly auditBucket: s3.IBucket;
  /** Tenant ids from config: the `tenant` partition's enum values. */
  readonly tenantIds: readonly string[];
  /**
   * First day the `dt` projection covers (`YYYY-MM-DD`); records dated earlier are not queryable.
   * @default '2025-01-01'
   */
  readonly projectionStartDate?: string;
  /**
   * Key prefix of CloudTrail log files in the audit bucket.
   * @default 'cloudtrail'
   */
  readonly cloudTrailPrefix?: string;
  /**
   * Regions the (multi-region) trail logs, the `region` partition's enum values.
   * @default COMMERCIAL_REGIONS - every commercial Region (global service events are in `us-east-1`)
   */
  readonly cloudTrailRegions?: readonly string[];
  /**
   * The bucket Bedrock delivers its invocation logs to.
   * @default auditBucket
   */
  readonly bedrockInvocationBucket?: s3.IBucket;
  /**
   * Key prefix of Bedrock model invocation logs in `bedrockInvocationBucket`.
   * @default 'bedrock-invocations'
   */
  readonly bedrockInvocationLogPrefix?: string;
  /**
   * The gateway's IAM role ARN, bound into the console versions of `shadow-bedrock-usage` and
   * `gateway-cloudtrail-reconciliation` (the CLI and the audit Lambda pass it at run time).
   * @default - a visible placeholder ARN that the auditor replaces in the console
   */
  readonly gatewayRoleArn?: string;
  /**
   * Resources that must exist first: the Glue database and the Athena workgroup when created in the same stack.
   * @default - none
   */
  readonly dependsOn?: readonly IDependable[];
}

/** Glue tables with partition projection and the Athena named queries. */
export class AuditCatalog extends Construct {
  readonly gatewayAuditTable: glue.CfnTable;
  readonly cloudTrailTable: glue.CfnTable;
  readonly bedrockInvocationsTable: glue.CfnTable;
  /** Named queries by query name. */
  readonly namedQueries: Readonly<Record<string, athena.CfnNamedQuery>>;
  readonly databaseName: string;
  /** ARNs of the three tables (for `glue:GetTable` grants). */
  readonly tableArns: readonly string[];

  constructor(scope: Construct, id: string, props: AuditCatalogProps) {
    super(scope, id);
    const tenantIds = [...props.tenantIds];
    if (tenantIds.length === 0) throw new Error('AuditCatalog: tenantIds must name at least one tenant');
    for (const tenant of tenantIds) {
      if (!TENANT_ID_PATTERN.test(tenant)) {
        throw new Error(`AuditCatalog: tenant id "${tenant}" does not match ${TENANT_ID_PATTERN}`);
      }
    }
    const start = props.projectionStartDate ?? '2025-01-01';
    if (!DATE_PATTERN.test(start)) {
      throw new Error(`AuditCatalog: projectionStartDate must be YYYY-MM-DD (got "${start}")`);
    }
    const trailPrefix = props.cloudTrailPrefix ?? 'cloudtrail';
    const bedrockPrefix = props.bedrockInvocationLogPrefix ?? 'bedrock-invocations';
    for (const [name, prefix] of [
      ['cloudTrailPrefix', trailPrefix],
      ['bedrockInvocationLogPrefix', bedrockPrefix],
    ] as const) {
      if (!KEY_PREFIX.test(prefix)) {
        throw new Error(`AuditCatalog: ${name} must be a key prefix without leading/trailing "/" (got "${prefix}")`);
      }
    }
    const regions = props.cloudTrailRegions ?? COMMERCIAL_REGIONS;
    if (regions.length === 0) throw new Error('AuditCatalog: cloudTrailRegions must name at least one region');
    for (const region of regions) {
      if (!Token.isUnresolved(region) && !REGION.test(region)) {
        throw new Error(`AuditCatalog: cloudTrailRegions has an invalid region "${region}"`);
      }
    }
    const roleArn = props.gatewayRoleArn ?? UNSET_GATEWAY_ROLE_ARN;
    if (!Token.isUnresolved(roleArn) && !ROLE_ARN_PATTERN.test(roleArn)) {
      throw new Error(`AuditCatalog: gatewayRoleArn must be an IAM role ARN (got "${roleArn}")`);
    }

    const { account, region, partition } = Stack.of(this);
    this.databaseName = props.databaseName;
    const bucketName = props.auditBucket.bucketName;
    const auditLocation = `s3://${bucketName}/${AUDIT_PREFIX}`;
    const trailLocation = `s3://${bucketName}/${trailPrefix}/AWSLogs/${Aws.ACCOUNT_ID}/CloudTrail/`;
    const bedrockBucketName = (props.bedrockInvocationBucket ?? props.auditBucket).bucketName;
    const bedrockLocation = `s3://${bedrockBucketName}/${bedrockPrefix}/AWSLogs/${Aws.ACCOUNT_ID}/BedrockModelInvocationLogs/${Aws.REGION}/`;

    this.gatewayAuditTable = this.table('GatewayAuditTable', props.databaseName, {
      name: AUDIT_TABLES.gatewayAudit,
      description: 'Gateway audit records (pre_call, post_call, denied), one JSON object per S3 object',
      tableType: 'EXTERNAL_TABLE',
      partitionKeys: [
        { name: 'dt', type: 'string', comment: 'UTC day of the record, YYYY-MM-DD' },
        { name: 'tenant', type: 'string', comment: 'Tenant id (equals tenant_id)' },
      ],
      parameters: {
        classification: 'json',
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': `${start},NOW`,
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        'projection.tenant.type': 'enum',
        'projection.tenant.values': tenantIds.join(','),
        'storage.location.template': `${auditLocation}dt=\${dt}/tenant=\${tenant}/`,
      },
      storageDescriptor: {
        columns: glueColumns(),
        location: auditLocation,
        inputFormat: TEXT_INPUT_FORMAT,
        outputFormat: HIVE_OUTPUT_FORMAT,
        serdeInfo: { serializationLibrary: HIVE_JSON_SERDE },
      },
    });

    this.cloudTrailTable = this.table('CloudTrailTable', props.databaseName, {
      name: AUDIT_TABLES.cloudTrail,
      description: 'CloudTrail management events and S3 data events on the audit bucket',
      tableType: 'EXTERNAL_TABLE',
      partitionKeys: [
        { name: CLOUDTRAIL_REGION_PARTITION, type: 'string', comment: 'Region folder of the log file' },
        { name: CLOUDTRAIL_PARTITION, type: 'string', comment: 'Delivery day, yyyy/MM/dd' },
      ],
      parameters: {
        classification: 'cloudtrail',
        'projection.enabled': 'true',
        [`projection.${CLOUDTRAIL_REGION_PARTITION}.type`]: 'enum',
        [`projection.${CLOUDTRAIL_REGION_PARTITION}.values`]: regions.join(','),
        [`projection.${CLOUDTRAIL_PARTITION}.type`]: 'date',
        [`projection.${CLOUDTRAIL_PARTITION}.format`]: 'yyyy/MM/dd',
        [`projection.${CLOUDTRAIL_PARTITION}.range`]: `${start.replace(/-/g, '/')},NOW`,
        [`projection.${CLOUDTRAIL_PARTITION}.interval`]: '1',
        [`projection.${CLOUDTRAIL_PARTITION}.interval.unit`]: 'DAYS',
        'storage.location.template': `${trailLocation}\${${CLOUDTRAIL_REGION_PARTITION}}/\${${CLOUDTRAIL_PARTITION}}`,
      },
      storageDescriptor: {
        columns: sourceGlueColumns(CLOUDTRAIL_COLUMNS),
        location: trailLocation,
        inputFormat: CLOUDTRAIL_INPUT_FORMAT,
        outputFormat: HIVE_OUTPUT_FORMAT,
        serdeInfo: { serializationLibrary: HIVE_JSON_SERDE },
      },
    });

    this.bedrockInvocationsTable = this.table('BedrockInvocationsTable', props.databaseName, {
      name: AUDIT_TABLES.bedrockInvocations,
      description: 'Bedrock model invocation logs (metadata columns only; bodies are not mapped)',
      tableType: 'EXTERNAL_TABLE',
      partitionKeys: [{ name: BEDROCK_INVOCATION_PARTITION, type: 'string', comment: 'Delivery hour, yyyy/MM/dd/HH' }],
      parameters: {
        classification: 'json',
        'projection.enabled': 'true',
        [`projection.${BEDROCK_INVOCATION_PARTITION}.type`]: 'date',
        [`projection.${BEDROCK_INVOCATION_PARTITION}.format`]: 'yyyy/MM/dd/HH',
        [`projection.${BEDROCK_INVOCATION_PARTITION}.range`]: `${start.replace(/-/g, '/')}/00,NOW`,
        [`projection.${BEDROCK_INVOCATION_PARTITION}.interval`]: '1',
        [`projection.${BEDROCK_INVOCATION_PARTITION}.interval.unit`]: 'HOURS',
        'storage.location.template': `${bedrockLocation}\${${BEDROCK_INVOCATION_PARTITION}}`,
      },
      storageDescriptor: {
        columns: sourceGlueColumns(BEDROCK_INVOCATION_COLUMNS),
        location: bedrockLocation,
        inputFormat: TEXT_INPUT_FORMAT,
        outputFormat: HIVE_OUTPUT_FORMAT,
        serdeInfo: { serializationLibrary: HIVE_JSON_SERDE },
      },
    });

    const queries: Record<string, athena.CfnNamedQuery> = {};
    for (const query of NAMED_QUERIES) {
      const named = new athena.CfnNamedQuery(this, `Query-${query.name}`, {
        name: query.name,
        description: query.description,
        database: props.databaseName,
        workGroup: props.workgroupName,
        queryString: renderAthenaConsoleQuery(query, roleArn),
      });
      for (const dependency of props.dependsOn ?? []) named.node.addDependency(dependency);
      queries[query.name] = named;
    }
    this.namedQueries = queries;
    this.tableArns = Object.values(AUDIT_TABLES).map(
      (table) => `arn:${partition}:glue:${region}:${account}:table/${props.databaseName}/${table}`,
    );
    for (const table of [this.gatewayAuditTable, this.cloudTrailTable, this.bedrockInvocationsTable]) {
      for (const dependency of props.dependsOn ?? []) table.node.addDependency(dependency);
    }
  }

  private table(id: string, databaseName: string, tableInput: glue.CfnTable.TableInputProperty): glue.CfnTable {
    return new glue.CfnTable(this, id, { catalogId: Stack.of(this).account, databaseName, tableInput });
  }
}
