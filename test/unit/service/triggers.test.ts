// changedPackages(): OpenWrt's reload_config compares md5 sums with its previous run; the first
// run fires nothing, a changed or removed package fires, a new one does not (pure).
import t from 'tap';
import { changedPackages } from '../../../src/service/triggers.js';

t.test('the first run only records', async (t) => {
  t.same(changedPackages(undefined, { a: '1' }), []);
});

t.test('changed and removed packages fire, new ones and unchanged ones do not', async (t) => {
  t.same(changedPackages({ a: '1', b: '2', c: '3' }, { a: '1', b: '9', d: '4' }), ['b', 'c']);
  t.same(changedPackages({ a: '1' }, { a: '1' }), []);
});
