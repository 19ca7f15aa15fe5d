/** What fastify hands a schema error formatter: ajv's errors, trimmed to the fields read here. */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

const PLACES: Record<string, string> = { body: 'the body', querystring: 'the query string', params: 'the path', headers: 'the headers' };

const TYPES: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'a list',
  null: 'null',
};

/** `/a/0/b` → `a[0].b`; the root is named by where it came from ("the body"). */
function fieldName(instancePath: string, place: string): string {
  if (instancePath === '') return place;
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name === '' ? part : `${name}.${part}`), '');
}

/** One ajv error as a sentence a person reads: "user must not be empty", not "body/user must NOT have fewer than 1 characters". */
export function describeSchemaError(error: SchemaError, dataVar: string): string {
  const place = PLACES[dataVar] ?? dataVar;
  const field = fieldName(error.instancePath, place);
  const where = dataVar === 'body' ? '' : ` in ${place}`;
  const { params } = error;
  switch (error.keyword) {
    case 'required':
      return `${error.instancePath === '' ? String(params.missingProperty) : `${field}.${String(params.missingProperty)}`} is required${where}`;
    case 'additionalProperties':
      return `${field} has a field "${String(params.additionalProperty)}" that this request does not take`;
    case 'minLength':
      return params.limit === 1 ? `${field} must not be empty` : `${field} must be at least ${String(params.limit)} characters long`;
    case 'maxLength':
      return `${field} must be at most ${String(params.limit)} characters long`;
    case 'minItems':
      return params.limit === 1 ? `${field} must not be empty` : `${field} must hold at least ${String(params.limit)} items`;
    case 'maxItems':
      return `${field} must hold at most ${String(params.limit)} items`;
    case 'type': {
      const types = String(params.type).split(',');
      return `${field} must be ${types.map((type) => TYPES[type] ?? type).join(' or ')}`;
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return `${field} must be ${error.keyword === 'minimum' ? 'at least' : 'above'} ${String(params.limit)}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${field} must be ${error.keyword === 'maximum' ? 'at most' : 'below'} ${String(params.limit)}`;
    case 'multipleOf':
      return params.multipleOf === 1 ? `${field} must be a whole number` : `${field} must be a multiple of ${String(params.multipleOf)}`;
    case 'enum':
      return `${field} must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `${field} must be ${JSON.stringify(params.allowedValue)}`;
    case 'pattern':
    case 'format':
      return `${field} is not in the expected form${params.format ? ` (${String(params.format)})` : ''}`;
    default:
      return `${field} ${error.message ?? 'is not valid'}`;
  }
}

/**
 * fastify's `schemaErrorFormatter`: every route with a schema, in every plugin, refuses bad input with these
 * sentences (the error handler sends them as `{ error, code }` with 400).
 */
export function schemaErrorFormatter(errors: SchemaError[], dataVar: string): Error {
  return new Error(errors.map((error) => describeSchemaError(error, dataVar)).join('; '));
}
