/**
 * The non-gateway tables the queries read: CloudTrail's and Bedrock invocation logging's JSON layouts, described
 * once and used for both the Glue `CfnTable` columns and the local DuckDB views. Column names are lower case
 * (Hive lower-cases them); `jsonKey` is the key as the service writes it. Columns marked `jsonText` hold a nested
 * object that queries read as JSON text (`json_extract_scalar` / `json_extract_string`).
 */
import { type ColumnType, duckDbType, glueType } from '../audit/columns';

export interface SourceColumn {
  readonly name: string;
  readonly jsonKey: string;
  readonly type: ColumnType;
  readonly jsonText?: boolean;
}

const str: ColumnType = { kind: 'string' };
const big: ColumnType = { kind: 'bigint' };
const struct = (fields: Record<string, ColumnType>): ColumnType => ({
  kind: 'struct',
  fields: Object.entries(fields).map(([name, type]) => ({ name, type })),
});

/** CloudTrail record fields (the layout of AWS's documented Athena table for CloudTrail). */
export const CLOUDTRAIL_COLUMNS: readonly SourceColumn[] = [
  { name: 'eventversion', jsonKey: 'eventVersion', type: str },
  {
    name: 'useridentity',
    jsonKey: 'userIdentity',
    type: struct({
      type: str,
      principalId: str,
      arn: str,
      accountId: str,
      invokedBy: str,
      accessKeyId: str,
      userName: str,
      sessionContext: struct({
        attributes: struct({ mfaAuthenticated: str, creationDate: str }),
        sessionIssuer: struct({ type: str, principalId: str, arn: str, accountId: str, userName: str }),
        sourceIdentity: str,
      }),
    }),
  },
  { name: 'eventtime', jsonKey: 'eventTime', type: str },
  { name: 'eventsource', jsonKey: 'eventSource', type: str },
  { name: 'eventname', jsonKey: 'eventName', type: str },
  { name: 'awsregion', jsonKey: 'awsRegion', type: str },
  { name: 'sourceipaddress', jsonKey: 'sourceIPAddress', type: str },
  { name: 'useragent', jsonKey: 'userAgent', type: str },
  { name: 'errorcode', jsonKey: 'errorCode', type: str },
  { name: 'errormessage', jsonKey: 'errorMessage', type: str },
  { name: 'requestparameters', jsonKey: 'requestParameters', type: str, jsonText: true },
  { name: 'responseelements', jsonKey: 'responseElements', type: str, jsonText: true },
  { name: 'additionaleventdata', jsonKey: 'additionalEventData', type: str, jsonText: true },
  { name: 'requestid', jsonKey: 'requestID', type: str },
  { name: 'eventid', jsonKey: 'eventID', type: str },
  {
    name: 'resources',
    jsonKey: 'resources',
    type: { kind: 'array', items: struct({ ARN: str, accountId: str, type: str }) },
  },
  { name: 'eventtype', jsonKey: 'eventType', type: str },
  { name: 'apiversion', jsonKey: 'apiVersion', type: str },
  { name: 'readonly', jsonKey: 'readOnly', type: str },
  { name: 'recipientaccountid', jsonKey: 'recipientAccountId', type: str },
  { name: 'serviceeventdetails', jsonKey: 'serviceEventDetails', type: str, jsonText: true },
  { name: 'sharedeventid', jsonKey: 'sharedEventID', type: str },
  { name: 'vpcendpointid', jsonKey: 'vpcEndpointId', type: str },
  { name: 'eventcategory', jsonKey: 'eventCategory', type: str },
  {
    name: 'tlsdetails',
    jsonKey: 'tlsDetails',
    type: struct({ tlsVersion: str, cipherSuite: str, clientProvidedHostHeader: str }),
  },
];

/** CloudTrail's projected partition: the `yyyy/MM/dd` part of the delivery path. */
export const CLOUDTRAIL_PARTITION = 'timestamp';
/** CloudTrail's region partition (the trail is multi-region: a Bedrock call elsewhere lands under that region). */
export const CLOUDTRAIL_REGION_PARTITION = 'region';

/**
 * Bedrock model invocation log fields (AWS-NOTES.md). The prompt and completion bodies (`inputBodyJson`,
 * `outputBodyJson`) are left out on purpose: they are unredacted text, and no compliance query needs them.
 */
export const BEDROCK_INVOCATION_COLUMNS: readonly SourceColumn[] = [
  { name: 'schematype', jsonKey: 'schemaType', type: str },
  { name: 'schemaversion', jsonKey: 'schemaVersion', type: str },
  { name: 'timestamp', jsonKey: 'timestamp', type: str },
  { name: 'accountid', jsonKey: 'accountId', type: str },
  { name: 'identity', jsonKey: 'identity', type: struct({ arn: str }) },
  { name: 'region', jsonKey: 'region', type: str },
  // Where a cross-region (global./apac.) profile actually ran the call; `region` is where it was received.
  // Field list: https://docs.panther.com/data-onboarding/supported-logs/aws/bedrock-model-invocation
  { name: 'inferenceregion', jsonKey: 'inferenceRegion', type: str },
  { name: 'requestid', jsonKey: 'requestId', type: str },
  { name: 'operation', jsonKey: 'operation', type: str },
  { name: 'modelid', jsonKey: 'modelId', type: str },
  {
    name: 'input',
    jsonKey: 'input',
    type: struct({
      inputContentType: str,
      inputTokenCount: big,
      cacheReadInputTokenCount: big,
      cacheWriteInputTokenCount: big,
      inputBodyS3Path: str,
    }),
  },
  {
    name: 'output',
    jsonKey: 'output',
    type: struct({ outputContentType: str, outputTokenCount: big, outputBodyS3Path: str }),
  },
  { name: 'errorcode', jsonKey: 'errorCode', type: str },
];

/** Bedrock's projected partition: the `yyyy/MM/dd/HH` part of the delivery path. */
export const BEDROCK_INVOCATION_PARTITION = 'date_hour';

/** Glue columns (Hive lower-cases names, and Hive's JsonSerDe matches JSON keys case-insensitively). */
export function sourceGlueColumns(columns: readonly SourceColumn[]): Array<{ name: string; type: string }> {
  return columns.map((column) => ({ name: column.name, type: glueType(column.type).toLowerCase() }));
}

/** DuckDB `read_json` type of the raw JSON key (nested objects read as JSON for `jsonText` columns). */
export function sourceDuckDbType(column: SourceColumn): string {
  return column.jsonText ? 'JSON' : duckDbType(column.type);
}
