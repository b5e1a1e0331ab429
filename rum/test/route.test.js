import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, foldPath, matchPattern, pathOf, route } from '../src/route.js';

test('foldPath folds numeric ids, UUIDs and long hex ids', () => {
  assert.equal(foldPath('/items/42'), '/items/{id}');
  assert.equal(foldPath('/users/7/vault/123'), '/users/{id}/vault/{id}');
  assert.equal(foldPath('/v/3f2504e0-4f89-11d3-9a0c-0305e82c3301/x'), '/v/{id}/x');
  assert.equal(foldPath('/v/3F2504E0-4F89-11D3-9A0C-0305E82C3301'), '/v/{id}');
  assert.equal(foldPath('/blob/5f3a9c0d1e2b4a6f'), '/blob/{id}');
  assert.equal(foldPath('/commit/0123456789abcdef0123456789abcdef01234567'), '/commit/{id}');
  // words and short hex stay
  assert.equal(foldPath('/api/v2/items'), '/api/v2/items');
  assert.equal(foldPath('/items/cafe'), '/items/cafe');
  assert.equal(foldPath('/facade/abcdefabcdef'), '/facade/abcdefabcdef');
  assert.equal(foldPath('/'), '/');
  assert.equal(foldPath('/items/'), '/items/');
});

test('matchPattern matches segment by segment, first pattern wins', () => {
  const c = compile(['/api/items/{id}', '/api/users/{user}/vault', '/api/items/new', '/']);
  assert.equal(matchPattern('/api/items/42', c), '/api/items/{id}');
  assert.equal(matchPattern('/api/items/new', c), '/api/items/{id}');
  assert.equal(matchPattern('/api/users/alice/vault', c), '/api/users/{user}/vault');
  assert.equal(matchPattern('/api/users/alice/vault/x', c), null);
  assert.equal(matchPattern('/api/items/', c), null, 'a placeholder needs a non-empty segment');
  assert.equal(matchPattern('/api/items', c), null);
  assert.equal(matchPattern('/', c), '/');
  assert.equal(matchPattern('/x', compile(undefined)), null);
});

test('route: patterns first, else folded; never query, fragment or host', () => {
  const c = compile(['/api/items/{id}']);
  const base = 'https://shop.example/items/1?a=1';
  assert.equal(route('/api/items/abc?token=secret#x', c, base), '/api/items/{id}');
  assert.equal(route('https://api.example/api/users/99/vault?x=1', c, base), '/api/users/{id}/vault');
  assert.equal(route('items/5', c, base), '/items/items/{id}');
  assert.equal(route('?q=1', c, base), '/items/1'.replace('1', '{id}'));
  assert.equal(pathOf('/a/b?c#d', base), '/a/b');
  assert.equal(pathOf('/a/b?c#d', undefined), '/a/b', 'relative URL without a base');
});
