// A real OpenID Connect provider for the tests: panva's oidc-provider (certified by the OpenID
// Foundation) with one confidential client and the accounts of accounts.json. Only the login page is
// ours (every provider brings its own): it checks the account's password, records `amr` as the
// account's entry says, and grants the client's requested scopes without a consent page.
//
// Usage: node provider.mjs     -> listens on a free port of 127.0.0.1 and prints "listening <issuer>"
// The client is "native" (RFC 8252): its loopback redirect URIs match on any port, so each test app,
// wherever it is served, can use it.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const { client, accounts } = JSON.parse(readFileSync(new URL('./accounts.json', import.meta.url), 'utf8'));
const loopbacks = ['127.0.0.1', 'localhost'];

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      ...client,
      application_type: 'native',
      redirect_uris: loopbacks.flatMap((host) => [`http://${host}/login/with/sso/callback`, `http://${host}/login/with/mfa/callback`]),
      post_logout_redirect_uris: loopbacks.map((host) => `http://${host}/login`),
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    // like Keycloak's, the ID token says how the person logged in (acr, amr)
    claims: { acr: null, amr: null, auth_time: null, iss: null, sid: null, openid: ['sub', 'acr', 'amr', 'auth_time'], profile: ['name', 'preferred_username', 'employee_no'], email: ['email'] },
    cookies: { keys: ['proposals-test-cookie-key'] },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    async findAccount(ctx, id) {
      const account = accounts[id];
      return account && { accountId: id, claims: () => ({ sub: id, ...account.claims }) };
    },
  });
  provider.proxy = false;
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    } else {
      callback(req, res);
    }
  });
  console.log(`listening ${issuer}`);
});

function page(res, status, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试身份认证中心</title></head>
<body><h1>测试身份认证中心</h1>${body}</body></html>`);
}

function loginForm(uid, error) {
  return `${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}">
<label>账号 <input name="login" autocomplete="username"></label>
<label>口令 <input name="password" type="password"></label>
<button type="submit">登录</button></form>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (prompt.name === 'consent') {  // first-party client: what it asks is granted
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const result = { consent: { grantId: await grant.save() } };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
    return;
  }
  if (req.method !== 'POST') {
    page(res, 200, loginForm(uid));
    return;
  }
  const form = await readForm(req);
  const account = accounts[form.get('login')];
  if (!account || account.password !== form.get('password')) {
    page(res, 200, loginForm(uid, '账号或口令错误'));
    return;
  }
  const login = { accountId: form.get('login'), amr: account.amr || ['pwd'] };
  await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
}
