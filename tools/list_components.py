"""List every registered egohands component and the module it lives in.

    python tools/list_components.py               # all registries
    python tools/list_components.py MODELS        # one or more registries
"""
import argparse

from egohands.registry import ALL_REGISTRIES, list_components


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('registries', nargs='*', metavar='REGISTRY',
                        help=f'any of {", ".join(ALL_REGISTRIES)}')
    args = parser.parse_args()
    unknown = sorted(set(args.registries) - set(ALL_REGISTRIES))
    if unknown:
        parser.error(f'unknown registries {unknown}; choose from '
                     f'{", ".join(ALL_REGISTRIES)}')
    for registry, components in list_components(args.registries).items():
        if components:
            print(f'{registry}:')
            for name, where in components.items():
                print(f'  {name:36s} {where}')


if __name__ == '__main__':
    main()
