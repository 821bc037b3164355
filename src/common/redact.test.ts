import { strict as assert } from 'node:assert';
import { redact, safeUrl } from './logging';

/**
 * The shapes of secret that reach logs and messages. Each row: the input, the secret text that must
 * be gone from the output, and the surrounding text that must still be there to read.
 */
interface Row {
  readonly name: string;
  readonly input: string;
  readonly secrets: readonly string[];
  readonly keep: readonly string[];
}

const PEM_BODY_1 = 'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB';
const PEM_BODY_2 = 'aIJYtW4Ls8Ff5pYb0h8u2BkMdHA6+ZkvTbaEqUqjuJfHnPJtN9uB0vbrbl1zXw==';
const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6InNpZ25pbmcta2V5In0.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1hYmMxMjM';
const AWS_ID = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AZURE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const SAS_SIG = 'AbCdEf%2BGhIjKlMnOpQrStUvWxYz0123456789%3D';
const AMZ_SIG = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
const GCP_KEY_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';

const ROWS: readonly Row[] = [
  {
    name: 'credentials in a URL, three times in one line',
    input:
      'GET http://admin:pass@prom.internal:9090/api/v1/query_range failed: Cannot reach Prometheus at http://admin:pass@prom.internal:9090. Check the kubeml.prometheus.url setting (http://admin:pass@prom.internal:9090).',
    secrets: ['admin:pass', 'pass@'],
    keep: ['GET http://', 'prom.internal:9090/api/v1/query_range failed', 'Cannot reach Prometheus at', 'kubeml.prometheus.url setting'],
  },
  {
    name: 'a URL whose password holds an @ and a percent-escape, and a token as the user name',
    input:
      'POST https://user:p%40ss@w0rd@models.example.com/v1/models/iris:predict; clone https://ghp_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ@github.com/org/repo.git',
    secrets: ['p%40ss', 'w0rd', 'ghp_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ'],
    keep: ['models.example.com/v1/models/iris:predict', 'github.com/org/repo.git', 'POST https://', 'clone https://'],
  },
  {
    name: 'a password with spaces after "password:"',
    input: 'login failed, password: correct horse battery staple\nuser: alice',
    secrets: ['correct', 'horse', 'battery', 'staple'],
    keep: ['login failed, password:', 'user: alice'],
  },
  {
    name: 'a YAML literal block scalar (password: |)',
    input: 'stringData:\n  password: |\n    first secret line\n    second secret line\n  username: alice\nkind: Secret',
    secrets: ['first secret line', 'second secret line'],
    keep: ['stringData:', 'password:', 'username: alice', 'kind: Secret'],
  },
  {
    name: 'a YAML folded block scalar in a list item (- token: >-)',
    input: 'env:\n- token: >-\n    folded-secret-part-one\n    folded-secret-part-two\n  name: TOKEN\n- name: OTHER',
    secrets: ['folded-secret-part-one', 'folded-secret-part-two'],
    keep: ['env:', 'name: TOKEN', '- name: OTHER'],
  },
  {
    name: 'client-secret in YAML, a flag and JSON',
    input:
      'client-secret: 9f8e7d6c5b4a3210\nrun --client-secret=zyx987wvu654 --verbose\n{"client_secret":"oauth-cs-1234567890","client_id":"app-42"}',
    secrets: ['9f8e7d6c5b4a3210', 'zyx987wvu654', 'oauth-cs-1234567890'],
    keep: ['client-secret:', '--verbose', '"client_id":"app-42"'],
  },
  {
    name: 'a multi-line PEM RSA private key',
    input: `loaded key:\n-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY_1}\n${PEM_BODY_2}\n-----END RSA PRIVATE KEY-----\nfrom ~/.ssh/id_rsa`,
    secrets: [PEM_BODY_1, PEM_BODY_2],
    keep: ['loaded key:', 'from ~/.ssh/id_rsa'],
  },
  {
    name: 'PKCS#8, EC and OpenSSH private keys, and one cut short',
    input: `a -----BEGIN PRIVATE KEY-----\n${PEM_BODY_1}\n-----END PRIVATE KEY----- b -----BEGIN EC PRIVATE KEY-----\n${PEM_BODY_2}\n-----END EC PRIVATE KEY----- c -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW`,
    secrets: [PEM_BODY_1, PEM_BODY_2, 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ'],
    keep: ['a -----BEGIN PRIVATE KEY-----', ' b ', ' c '],
  },
  {
    name: 'an S3 presigned URL (X-Amz-Signature, X-Amz-Credential)',
    input: `reading https://bucket.s3.amazonaws.com/data/ref.parquet?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${AWS_ID}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${AMZ_SIG} failed`,
    secrets: [AMZ_SIG, AWS_ID],
    keep: ['reading https://bucket.s3.amazonaws.com/data/ref.parquet?', 'X-Amz-Expires=3600', ' failed'],
  },
  {
    name: 'an Azure SAS URL (sig=)',
    input: `GET https://acct.blob.core.windows.net/data/ref.parquet?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&sig=${SAS_SIG}&spr=https: 403`,
    secrets: [SAS_SIG],
    keep: ['acct.blob.core.windows.net/data/ref.parquet', 'sv=2022-11-02', '&spr=https: 403'],
  },
  {
    name: 'an X-Api-Key header, as a line and in JSON',
    input:
      'headers:\nX-Api-Key: 3f1c2a7b9d8e4f60a1b2\nAccept: application/json\n{"x-api-key":"k-55aa66bb77cc","accept":"application/json"}',
    secrets: ['3f1c2a7b9d8e4f60a1b2', 'k-55aa66bb77cc'],
    keep: ['X-Api-Key:', 'Accept: application/json', '"accept":"application/json"'],
  },
  {
    name: 'a bearer token in an Authorization header and on its own',
    input: 'Authorization: Bearer sha256~AbCdEf0123GhIjKl4567MnOp\nUser-Agent: kubeml\nretrying with bearer 9a8b7c6d5e4f3a2b1c0d',
    secrets: ['sha256~AbCdEf0123GhIjKl4567MnOp', '9a8b7c6d5e4f3a2b1c0d'],
    keep: ['Authorization: Bearer', 'User-Agent: kubeml', 'retrying with'],
  },
  {
    name: 'a basic-auth header, plain and in a curl command',
    input: 'Authorization: Basic YWRtaW46c3VwZXJzZWNyZXQ=\ncurl -H "authorization: basic dXNlcjpodW50ZXIy" http://svc:8080/metrics',
    secrets: ['YWRtaW46c3VwZXJzZWNyZXQ=', 'dXNlcjpodW50ZXIy'],
    keep: ['Authorization: Basic', 'curl -H', 'http://svc:8080/metrics'],
  },
  {
    name: 'a JWT in prose',
    input: `the service-account token ${JWT} expired at 10:00`,
    secrets: [JWT, JWT.split('.')[2]!],
    keep: ['the service-account token', 'expired at 10:00'],
  },
  {
    name: 'a kubeconfig user: client-certificate-data, client-key-data, token',
    input:
      'users:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURCVENDQWUyZ0F3SUJBZ0lJ\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVB\n    token: kubeconfig-token-0123456789abcdef\ncontexts:\n- name: dev',
    secrets: [
      'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURCVENDQWUyZ0F3SUJBZ0lJ',
      'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVB',
      'kubeconfig-token-0123456789abcdef',
    ],
    keep: ['users:', '- name: admin', 'client-key-data:', 'token:', 'contexts:', '- name: dev'],
  },
  {
    name: 'kubeconfig auth-provider id-token and refresh-token',
    input:
      '      auth-provider:\n        config:\n          id-token: idtok-98765-abcdef\n          refresh-token: "reftok-12345-fedcba"\n          idp-issuer-url: https://issuer.example.com',
    secrets: ['idtok-98765-abcdef', 'reftok-12345-fedcba'],
    keep: ['auth-provider:', 'id-token:', 'idp-issuer-url: https://issuer.example.com'],
  },
  {
    name: 'AWS access key id and secret key (env, ini, JSON)',
    input: `AWS_ACCESS_KEY_ID=${AWS_ID} AWS_SECRET_ACCESS_KEY=${AWS_SECRET} python train.py\n[default]\naws_secret_access_key = ${AWS_SECRET}x\n{"SecretAccessKey":"${AWS_SECRET}y","Region":"eu-west-1"}`,
    secrets: [AWS_ID, AWS_SECRET],
    keep: ['AWS_ACCESS_KEY_ID=', 'python train.py', '[default]', '"Region":"eu-west-1"'],
  },
  {
    name: 'a GCP service-account key (JSON, private_key with escaped newlines)',
    input: JSON.stringify(
      {
        type: 'service_account',
        project_id: 'ml-proj',
        private_key_id: 'k1',
        private_key: `-----BEGIN PRIVATE KEY-----\n${GCP_KEY_BODY}\n-----END PRIVATE KEY-----\n`,
        client_email: 'trainer@ml-proj.iam.gserviceaccount.com',
      },
      null,
      2,
    ),
    secrets: [GCP_KEY_BODY],
    keep: ['"type": "service_account"', '"project_id": "ml-proj"', 'trainer@ml-proj.iam.gserviceaccount.com'],
  },
  {
    name: 'an Azure storage connection string (AccountKey=) with a SAS (SharedAccessSignature=, sig=)',
    input: `DefaultEndpointsProtocol=https;AccountName=mlstore;AccountKey=${AZURE_KEY};EndpointSuffix=core.windows.net\nBlobEndpoint=https://mlstore.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&sig=${SAS_SIG}`,
    secrets: [AZURE_KEY, SAS_SIG],
    keep: [
      'DefaultEndpointsProtocol=https;AccountName=mlstore;AccountKey=',
      ';EndpointSuffix=core.windows.net',
      'BlobEndpoint=https://mlstore.blob.core.windows.net/',
    ],
  },
  {
    name: 'a password in JSON and in a query string',
    input: '{"username":"bob","password":"p a s s \\" w0rd"} then /login?user=bob&password=hunter2x&next=/home',
    secrets: ['p a s s', 'w0rd', 'hunter2x'],
    keep: ['{"username":"bob","password":', 'then /login?user=bob&', '&next=/home'],
  },
];

describe('redact: the table of secret shapes', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const out = redact(row.input);
      for (const s of row.secrets) assert.ok(!out.includes(s), `secret ${JSON.stringify(s)} is still in:\n${out}`);
      for (const k of row.keep) assert.ok(out.includes(k), `readable text ${JSON.stringify(k)} was lost from:\n${out}`);
      assert.equal(redact(out), out, 'redacting twice changes nothing more');
    });
  }

  it('hides every value in a line that holds thousands of keys (a dump of query strings), without running out of stack', () => {
    const line = Array.from({ length: 20_000 }, (_, i) => `token=t${i}x sig=s${i}y`).join('&');
    const out = redact(line);
    assert.equal(out, Array.from({ length: 20_000 }, () => 'token=<redacted> sig=<redacted>').join('&'));
  });

  it('leaves text without secrets exactly as it was', () => {
    const plain = [
      'Run r-123 failed: OOMKilled (exit 137). Increase resources.limits.memory; see http://127.0.0.1:9090/graph?g0.expr=up',
      'max_tokens: 512, tokenizer: bpe, secretName: db-creds, key: password',
      'volumes:\n- name: creds\n  secret:\n    secretName: creds',
      'Basic information about the Bearer of this pod; password reset is not supported.',
      'mail alice@example.com about https://example.com/a@b and ssh git@github.com',
    ];
    for (const p of plain) assert.equal(redact(p), p);
  });
});

describe('safeUrl: a URL as it may be shown', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['http://admin:pass@prom.internal:9090', 'http://prom.internal:9090'],
    ['https://user@models.example.com/v1/models/iris', 'https://models.example.com/v1/models/iris'],
    ['https://u:p%40ss@w0rd@host:8443/path?x=1#frag', 'https://host:8443/path?x=1#frag'],
    [
      'https://acct.blob.core.windows.net/c/f.parquet?sv=2022-11-02&sig=abc%2B123%3D&spr=https',
      'https://acct.blob.core.windows.net/c/f.parquet?sv=2022-11-02&sig=<redacted>&spr=https',
    ],
    [
      'https://b.s3.amazonaws.com/k?X-Amz-Expires=60&X-Amz-Signature=fe5f80f77d5fa3be',
      'https://b.s3.amazonaws.com/k?X-Amz-Expires=60&X-Amz-Signature=<redacted>',
    ],
    ['http://127.0.0.1:9090/', 'http://127.0.0.1:9090/'],
    ['not a url at all', 'not a url at all'],
    ['', ''],
  ];
  for (const [input, shown] of cases) {
    it(`${JSON.stringify(input)} is shown as ${JSON.stringify(shown)}`, () => assert.equal(safeUrl(input), shown));
  }

  it('agrees with the WHATWG URL parser on where the host starts', () => {
    for (const [input] of cases.slice(0, 5)) {
      const u = new URL(input);
      assert.ok(safeUrl(input).startsWith(`${u.protocol}//${u.host}`), `${safeUrl(input)} vs host ${u.host}`);
    }
  });
});
