from setuptools import find_packages, setup

setup(
    name='pstl_mm',
    version='0.1.0',
    description='PSTL self-supervised skeleton action representation learning '
    'as an MMAction2 plugin',
    packages=find_packages(include=['pstl_mm', 'pstl_mm.*']),
    python_requires='>=3.11',
    install_requires=[
        'torch>=2.1',
        'mmengine==0.10.7',
        'mmcv-lite==2.1.0',
        'mmaction2==1.2.0',
        'numpy',
        'importlib_metadata',
        'setuptools<81',
        'matplotlib',
        'scikit-learn',
        'tqdm',
    ],
    extras_require=dict(tests=['pytest']),
)
