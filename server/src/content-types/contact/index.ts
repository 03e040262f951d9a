import lifecycles from './lifecycles';
import schema from './schema';

export default { schema, lifecycles };
