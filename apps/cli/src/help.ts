import type { Command } from 'commander';

/**
 * Examples shown at the end of each command's --help, keyed by the command's path. A command missing here fails the
 * help test, so a new verb cannot ship without one.
 */
export const helpExamples: Record<string, string[]> = {
  tensorfleet: ['npx tensorfleet train --epochs 3', 'npx tensorfleet train --help'],
  'tensorfleet train': [
    'npx tensorfleet train                                  # the README default run: mnist-small-cnn, 2 workers, 10 epochs',
    'npx tensorfleet train --preset mlp --epochs 3 --workers 4 --out runs/mlp',
    'npx tensorfleet train --config job.yaml --json > run.jsonl',
    'npx tensorfleet train --launcher ssh --hosts hosts.txt  # workers on the hosts (host[:port] slots=N gpus=0,1 per line)',
  ],
  'tensorfleet ps': ['TENSORFLEET_TOKEN=s3cret npx tensorfleet ps --workers 2 --port 7070 --out runs/cluster'],
  'tensorfleet ps-shard': ['TENSORFLEET_TOKEN=s3cret npx tensorfleet ps-shard --port 7071'],
  'tensorfleet worker': ['TENSORFLEET_TOKEN=s3cret npx tensorfleet worker --ps ws://ps-host:7070 --name gpu-box-1'],
  'tensorfleet data': ['npx tensorfleet data preview --shift 0.1 --erasing 0.5 --out preview.png'],
  'tensorfleet data preview': ['npx tensorfleet data preview --shift 0.1 --erasing 0.5 --out preview.png'],
  'tensorfleet hpo': ['npx tensorfleet hpo run apps/coordinator/examples/regularization-sweep.yaml', 'npx tensorfleet hpo status regularization-sweep'],
  'tensorfleet hpo run': ['npx tensorfleet hpo run apps/coordinator/examples/regularization-sweep.yaml'],
  'tensorfleet hpo status': ['npx tensorfleet hpo status regularization-sweep --json'],
  'tensorfleet hpo report': ['npx tensorfleet hpo report regularization-sweep --out report/'],
  'tensorfleet dashboard': ['npx tensorfleet dashboard runs/latest --port 8080', 'npx tensorfleet dashboard regularization-sweep'],
  'tensorfleet k8s': ['npx tensorfleet k8s manifests --config job.yaml --workers 4 --image registry.example/tensorfleet:0.1.0-cpu --out k8s/'],
  'tensorfleet k8s manifests': [
    'npx tensorfleet k8s manifests --config job.yaml --workers 4 --out k8s/ && kubectl apply -f k8s/',
    'npx tensorfleet k8s manifests --gpus-per-worker 1 --image registry.example/tensorfleet:0.1.0-gpu --namespace ml | kubectl apply -f -',
  ],
  'tensorfleet k8s train': ['KUBECONFIG=~/.kube/gpu-cluster npx tensorfleet k8s train --config job.yaml --workers 4 --gpus-per-worker 1 --image registry.example/tensorfleet:0.1.0-gpu'],
  'tensorfleet token': ['export TENSORFLEET_TOKEN=$(npx tensorfleet token)'],
  'tensorfleet logs': [
    'npx tensorfleet logs runs/latest                       # a run folder (log.jsonl)',
    'npx tensorfleet logs regularization-sweep --trial 3 --follow',
  ],
};

/** The command's path as typed: `tensorfleet hpo run`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Adds each command's examples (and its subcommands', recursively) to its --help. */
export function withHelpDetails(program: Command): Command {
  const visit = (command: Command) => {
    const examples = helpExamples[commandPath(command)];
    if (examples) command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
    command.commands.forEach(visit);
  };
  visit(program);
  return program;
}
